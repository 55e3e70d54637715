#!/usr/bin/env python3
"""Turns bench/.work/results.tsv (one figure per line: section, label, run,
key, value) into the Markdown results tables of bench/README.md: medians of
the repeated runs, rows/s, ratios against the baselines, CPU cost, and
whether each target is met.

usage: report.py results.tsv machine.txt > results.md
"""
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
        "*ratio* = privaci rows/s ÷ pipe rows/s.",
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
    if f.med("pipe", "users", "privaci_b100k_data"):
        rows = f.med("pipe", "users", "rows")
        pipe = f.med("pipe", "users", "pipe_wall")
        data = f.med("pipe", "users", "privaci_b100k_data")
        wall = f.med("pipe", "users", "privaci_b100k_wall")
        out.append(
            f"| users, `batch_size: 100000` (diagnostic) | {rows:,.0f} | | {pipe:.2f} | {data:.2f} "
            f"| {wall:.2f} | {rows / pipe:,.0f} | {rows / data:,.0f} | {pipe / data:.3f} "
            f"| {pipe / wall:.3f} |")
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
        for tool in ("pipe", "privaci", "privaci_b100k"):
            c = f.cpu("pipe", t, tool)
            if not c:
                continue
            dscpu = c[0] if tool == "pipe" else f.med("pipe", t, f"{tool}_dscpu")
            dtotal = None if dscpu is None else dscpu + c[1]
            ratio = f"{pipe_total / dtotal:.3f}" if dtotal and pipe_total else "—"
            out.append(
                f"| {t} | {tool.replace('_b100k', ' (batch 100k)')} | {c[0]:.2f} "
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


def main():
    f = Figures(load(sys.argv[1]))
    out = ["```"] + open(sys.argv[2]).read().strip().splitlines() + ["```", ""]
    tables = pipe_tables(f, out)
    demo = demo_table(f, out)
    rss = rss_table(f, out)

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
