#!/usr/bin/env python3
"""Turns bench/.work/results.tsv (one figure per line: section, label, run,
key, value) into the Markdown results tables of bench/README.md: medians of
the repeated runs, rows/s, ratios against the baselines, CPU cost, and
whether each target is met. The per-action table of bench/mask_cost.c,
when given, is included as it is printed.

usage: report.py results.tsv machine.txt [mask_cost.md] > results.md
"""
import os
import statistics
import sys
from collections import defaultdict


def load(path):
    data = defaultdict(list)  # (section, label, key) -> [values in run order]
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 5:
            continue
        section, label, _run, key, value = parts
        try:
            data[(section, label, key)].append(float(value))
        except ValueError:
            pass
    return data


class Figures:
    def __init__(self, data):
        self.data = data

    def med(self, section, label, key):
        v = self.data.get((section, label, key))
        return statistics.median(v) if v else None

    def runs(self, section, label, key, fmt="{:.2f}", scale=1.0):
        return " / ".join(fmt.format(v * scale) for v in self.data.get((section, label, key), []))

    def cpu(self, section, label, tool):
        s = self.med(section, label, f"{tool}_scpu")
        c = self.med(section, label, f"{tool}_ccpu")
        return None if s is None or c is None else (s, c)

    def foreign(self, section, label):
        vals = [v for (s, l, k), vs in self.data.items() if s == section and l == label
                and k.endswith("_foreign") for v in vs]
        return (min(vals), max(vals)) if vals else (0, 0)


def verdict(ok):
    return "**met**" if ok else "**missed**"


TOOL_NAMES = {"pipe": "pipe", "privaci": "privaci", "privaci_b100k": "privaci (batch 100k)",
              "privaci_masked": "privaci, masked"}


def pipe_tables(f, out):
    tables = [t for t in ("users", "notes", "wide") if f.med("pipe", t, "rows")]
    if not tables:
        return tables
    out += [
        "### 1. One table: privaci passthrough vs the raw binary COPY pipe",
        "",
        "Medians of the runs. *pipe* = `psql -c \"COPY t TO STDOUT (FORMAT binary)\" | "
        "psql -c \"COPY t FROM STDIN (FORMAT binary)\"` into an empty index-free table. "
        "*privaci data* = the `table.end` event's `duration_ms` (target and source "
        "connections, every batch's BEGIN/COPY/checkpoint/COMMIT); *privaci wall* = the whole "
        "`privaci run` (pre-flight, state schema, DDL, data, PK build, sequences). "
        "*ratio* = privaci rows/s ÷ pipe rows/s. *masked* = the same users run with email, "
        "first_name, last_name, phone and dob masked by `fake` (their providers of the same "
        "names); every other row is passthrough.",
        "",
        "| table | rows | heap | pipe s | privaci data s | privaci wall s | pipe rows/s "
        "| privaci data rows/s | ratio (data) | ratio (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in tables:
        rows = f.med("pipe", t, "rows")
        pipe = f.med("pipe", t, "pipe_wall")
        data = f.med("pipe", t, "privaci_data")
        wall = f.med("pipe", t, "privaci_wall")
        out.append(
            f"| {t} | {rows:,.0f} | {f.med('pipe', t, 'bytes') / 2**20:,.0f} MiB | {pipe:.2f} "
            f"| {data:.2f} | {wall:.2f} | {rows / pipe:,.0f} | {rows / data:,.0f} "
            f"| {pipe / data:.3f} | {pipe / wall:.3f} |")
    for tool, what in (("privaci_b100k", "users, `batch_size: 100000` (diagnostic)"),
                       ("privaci_masked", "users, **masked** (email, first_name, last_name, "
                                          "phone, dob)")):
        if not f.med("pipe", "users", f"{tool}_data"):
            continue
        rows = f.med("pipe", "users", "rows")
        pipe = f.med("pipe", "users", "pipe_wall")
        data = f.med("pipe", "users", f"{tool}_data")
        wall = f.med("pipe", "users", f"{tool}_wall")
        out.append(
            f"| {what} | {rows:,.0f} | | {pipe:.2f} | {data:.2f} "
            f"| {wall:.2f} | {rows / pipe:,.0f} | {rows / data:,.0f} | {pipe / data:.3f} "
            f"| {pipe / wall:.3f} |")
    mdata = f.med("pipe", "users", "privaci_masked_data")
    pdata = f.med("pipe", "users", "privaci_data")
    if mdata and pdata:
        out += [
            "",
            f"Masking's own cost on users: data phase {mdata:.2f} s masked vs {pdata:.2f} s "
            f"passthrough ({(mdata / pdata - 1) * 100:+.1f}%), client CPU "
            f"{f.med('pipe', 'users', 'privaci_masked_ccpu'):.2f} s vs "
            f"{f.med('pipe', 'users', 'privaci_ccpu'):.2f} s.",
        ]
    out += [
        "",
        "CPU cost of the same runs, medians in seconds. *server* = every process of the "
        "cluster (source and target backends, WAL writer, …); *client* = psql×2, or privaci with "
        "its pg_dump/pg_restore children. *server, data phase* = the server CPU between "
        "privaci's `table.start` and `table.end` (sampled every 50 ms), i.e. without its DDL and "
        "PK build; for the pipe it is all of it. *data-phase CPU* = that + client, and "
        "*CPU ratio* = pipe's ÷ privaci's (> 1: privaci needs less CPU per row). "
        "*other load* = cores the rest of the machine used during each run.",
        "",
        "| table | tool | server CPU | server, data phase | client CPU | data-phase CPU "
        "| CPU ratio | runs: wall s | runs: data s | other load, cores |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for t in tables:
        pipe_cpu = f.cpu("pipe", t, "pipe")
        pipe_total = sum(pipe_cpu) if pipe_cpu else None
        for tool in ("pipe", "privaci", "privaci_b100k", "privaci_masked"):
            c = f.cpu("pipe", t, tool)
            if not c:
                continue
            dscpu = c[0] if tool == "pipe" else f.med("pipe", t, f"{tool}_dscpu")
            dtotal = None if dscpu is None else dscpu + c[1]
            ratio = f"{pipe_total / dtotal:.3f}" if dtotal and pipe_total else "—"
            out.append(
                f"| {t} | {TOOL_NAMES[tool]} | {c[0]:.2f} "
                f"| {'—' if dscpu is None else f'{dscpu:.2f}'} | {c[1]:.2f} "
                f"| {'—' if dtotal is None else f'{dtotal:.2f}'} | {ratio} "
                f"| {f.runs('pipe', t, f'{tool}_wall')} | {f.runs('pipe', t, f'{tool}_data') or '—'} "
                f"| {f.runs('pipe', t, f'{tool}_foreign')} |")
    out.append("")
    return tables


def demo_table(f, out):
    p = f.med("demo", "all", "privaci_wall")
    g = f.med("demo", "all", "pgcopydb_wall")
    if not (p and g):
        return None
    rows = f.med("demo", "all", "rows")
    pc, gc = f.cpu("demo", "all", "privaci"), f.cpu("demo", "all", "pgcopydb")
    out += [
        "### 2. Whole demo database: privaci vs `pgcopydb clone`",
        "",
        "| tool | wall s (median) | runs: wall s | server CPU s | client CPU s | other load, cores |",
        "|---|---:|---|---:|---:|---|",
        f"| pgcopydb clone --table-jobs 2 --index-jobs 2 | {g:.2f} | {f.runs('demo', 'all', 'pgcopydb_wall')} "
        f"| {gc[0]:.2f} | {gc[1]:.2f} | {f.runs('demo', 'all', 'pgcopydb_foreign')} |",
        f"| privaci run --jobs 2 | {p:.2f} | {f.runs('demo', 'all', 'privaci_wall')} "
        f"| {pc[0]:.2f} | {pc[1]:.2f} | {f.runs('demo', 'all', 'privaci_foreign')} |",
        "",
        f"{rows:,.0f} rows; privaci / pgcopydb wall = **{p / g:.3f}**.",
        "",
    ]
    return p, g


def rss_table(f, out):
    small = f.med("rss", "small", "privaci_rss")
    big = f.med("rss", "big", "privaci_rss")
    if not (small and big):
        return None
    out += [
        "### 3. Peak RSS of privaci (default batch 10,000), users table",
        "",
        "| rows | peak RSS MiB (median) | runs, MiB | wall s (median) | data rows/s |",
        "|---:|---:|---|---:|---:|",
    ]
    for label in ("small", "big"):
        rows = f.med("rss", label, "rows")
        out.append(
            f"| {rows:,.0f} | {f.med('rss', label, 'privaci_rss') / 1024:.1f} "
            f"| {f.runs('rss', label, 'privaci_rss', '{:.1f}', 1 / 1024)} "
            f"| {f.med('rss', label, 'privaci_wall'):.2f} "
            f"| {rows / f.med('rss', label, 'privaci_data'):,.0f} |")
    out.append("")
    return small, big


def mask_table(f, path, out):
    """Section 4: mask_cost's own Markdown, with the load it ran under."""
    if not path or not os.path.exists(path):
        return
    body = open(path).read().strip()
    if not body:
        return
    cells = f.med("mask", "all", "cells")
    load = f.runs("mask", "all", "mask_cost_foreign")
    out += [
        "### 4. Masking cost per action (`bench/mask_cost`)",
        "",
        "The masker alone (`pv_masker_tuple`, binary COPY cells, one thread, no database): "
        f"{cells or 0:,.0f} inputs per action generated in memory before timing, medians of the "
        "repetitions in ns per cell, nothing subtracted — the passthrough row is the raw-copy "
        "baseline. The inputs are distinct, so the per-column memo misses (the worst case), "
        "except the 25,203 birth dates, which the date memo holds once seen; the row of "
        "distinct dates 0084–5560 gives a date's cost without it. The users-tuple rows use "
        "bench/dataset.sql's own values (40 first names, 41 last names, 25,203 birth dates, "
        "where the memos hit), as the masked run above does. "
        f"Other load on the machine meanwhile: {load or '—'} cores.",
        "",
        body,
        "",
    ]


def main():
    f = Figures(load(sys.argv[1]))
    out = ["```"] + open(sys.argv[2]).read().strip().splitlines() + ["```", ""]
    tables = pipe_tables(f, out)
    demo = demo_table(f, out)
    rss = rss_table(f, out)
    mask_table(f, sys.argv[3] if len(sys.argv) > 3 else None, out)

    out += ["### Targets", "", "| target | measured | result |", "|---|---|---|"]
    if "users" in tables:
        rows = f.med("pipe", "users", "rows")
        pipe = f.med("pipe", "users", "pipe_wall")
        data = f.med("pipe", "users", "privaci_data")
        wall = f.med("pipe", "users", "privaci_wall")
        out.append(
            f"| privaci ≥ 0.95 × raw-pipe rows/s, {rows:,.0f}-row users (data phase) "
            f"| {pipe / data:.3f} × ({rows / data:,.0f} vs {rows / pipe:,.0f} rows/s) "
            f"| {verdict(pipe / data >= 0.95)} |")
        out.append(
            f"| the same on privaci's whole wall time (DDL, PK build included) "
            f"| {pipe / wall:.3f} × ({rows / wall:,.0f} rows/s) | {verdict(pipe / wall >= 0.95)} |")
        mdata = f.med("pipe", "users", "privaci_masked_data")
        mwall = f.med("pipe", "users", "privaci_masked_wall")
        if mdata and mwall:
            out.append(
                f"| masked run (email, first_name, last_name, phone, dob) ≥ 0.85 × raw-pipe "
                f"rows/s, {rows:,.0f}-row users (data phase) "
                f"| {pipe / mdata:.3f} × ({rows / mdata:,.0f} vs {rows / pipe:,.0f} rows/s) "
                f"| {verdict(pipe / mdata >= 0.85)} |")
            out.append(
                f"| the same on the masked run's whole wall time "
                f"| {pipe / mwall:.3f} × ({rows / mwall:,.0f} rows/s) "
                f"| {verdict(pipe / mwall >= 0.85)} |")
    if demo:
        p, g = demo
        out.append(f"| demo database: privaci wall ≤ pgcopydb's | {p:.2f} s vs {g:.2f} s "
                   f"({p / g:.3f} ×) | {verdict(p <= g)} |")
    if rss:
        small, big = rss
        diff = (big - small) / small
        rs, rb = f.med("rss", "small", "rows"), f.med("rss", "big", "rows")
        out.append(f"| peak RSS, {rs:,.0f} vs {rb:,.0f} rows, differs < 10% | {small / 1024:.1f} vs "
                   f"{big / 1024:.1f} MiB ({diff * 100:+.1f}%) | {verdict(abs(diff) < 0.10)} |")
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
