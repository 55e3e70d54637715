#!/usr/bin/env python3
"""Turns bench/.work/results.tsv (one figure per line) into the Markdown
results tables of bench/README.md: medians of the repeated runs, rows/s,
ratios against the baselines, and whether each target is met.

usage: report.py results.tsv machine.txt > results.md
"""
import statistics
import sys
from collections import defaultdict


def load(path):
    data = defaultdict(list)  # (section, label, key) -> [values]
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 5:
            continue
        section, label, run, key, value = parts
        try:
            data[(section, label, key)].append(float(value))
        except ValueError:
            pass
    return data


def med(data, *key):
    values = data.get(key)
    return statistics.median(values) if values else None


def spread(data, *key):
    values = data.get(key) or []
    return " / ".join(f"{v:.2f}" for v in values)


def yes(ok):
    return "**met**" if ok else "**missed**"


def main():
    data = load(sys.argv[1])
    out = []
    out.append("```")
    out.extend(open(sys.argv[2]).read().strip().splitlines())
    out.append("```")
    out.append("")

    tables = [t for t in ("users", "notes", "wide") if med(data, "pipe", t, "rows")]
    if tables:
        out.append("### 1. One table: privaci passthrough vs the raw binary COPY pipe")
        out.append("")
        out.append("Median of the runs (each run's figure in the last column). "
                   "*data* = privaci's `table.end` `duration_ms` (connect, COPY of every batch, "
                   "checkpoints, commits); *wall* = the whole `privaci run` (pre-flight, state, "
                   "schema, data, PK build, sequences).")
        out.append("")
        out.append("| table | rows | size | raw pipe s | privaci data s | privaci wall s "
                   "| pipe rows/s | privaci data rows/s | privaci wall rows/s "
                   "| data / pipe | wall / pipe | runs: pipe · data · wall (s) |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for t in tables:
            rows = med(data, "pipe", t, "rows")
            size = med(data, "pipe", t, "bytes") / 2**20
            pipe = med(data, "pipe", t, "pipe_wall")
            pdata = med(data, "pipe", t, "privaci_data")
            pwall = med(data, "pipe", t, "privaci_wall")
            out.append(
                f"| {t} | {rows:,.0f} | {size:,.0f} MiB | {pipe:.2f} | {pdata:.2f} | {pwall:.2f} "
                f"| {rows / pipe:,.0f} | {rows / pdata:,.0f} | {rows / pwall:,.0f} "
                f"| {pipe / pdata:.3f} | {pipe / pwall:.3f} "
                f"| {spread(data, 'pipe', t, 'pipe_wall')} · {spread(data, 'pipe', t, 'privaci_data')}"
                f" · {spread(data, 'pipe', t, 'privaci_wall')} |")
        out.append("")

    demo_p = med(data, "demo", "all", "privaci_wall")
    demo_g = med(data, "demo", "all", "pgcopydb_wall")
    if demo_p and demo_g:
        rows = med(data, "demo", "all", "rows")
        out.append("### 2. Whole demo database: privaci vs `pgcopydb clone`")
        out.append("")
        out.append("| rows | pgcopydb s | privaci s | privaci / pgcopydb | runs: pgcopydb · privaci (s) |")
        out.append("|---:|---:|---:|---:|---|")
        out.append(f"| {rows:,.0f} | {demo_g:.2f} | {demo_p:.2f} | {demo_p / demo_g:.3f} "
                   f"| {spread(data, 'demo', 'all', 'pgcopydb_wall')} · "
                   f"{spread(data, 'demo', 'all', 'privaci_wall')} |")
        out.append("")

    small = med(data, "rss", "small", "privaci_rss_kb")
    big = med(data, "rss", "big", "privaci_rss_kb")
    if small and big:
        out.append("### 3. Peak RSS of privaci (default batch 10,000), users table")
        out.append("")
        out.append("| rows | peak RSS MiB (median) | runs (MiB) | wall s | data rows/s |")
        out.append("|---:|---:|---|---:|---:|")
        for label in ("small", "big"):
            rows = med(data, "rss", label, "rows")
            kb = data[("rss", label, "privaci_rss_kb")]
            out.append(
                f"| {rows:,.0f} | {med(data, 'rss', label, 'privaci_rss_kb') / 1024:.1f} "
                f"| {' / '.join(f'{v / 1024:.1f}' for v in kb)} "
                f"| {med(data, 'rss', label, 'privaci_wall'):.2f} "
                f"| {rows / med(data, 'rss', label, 'privaci_data'):,.0f} |")
        out.append("")

    out.append("### Targets")
    out.append("")
    out.append("| target | measured | result |")
    out.append("|---|---|---|")
    if "users" in tables:
        rows = med(data, "pipe", "users", "rows")
        pipe = med(data, "pipe", "users", "pipe_wall")
        pdata = med(data, "pipe", "users", "privaci_data")
        pwall = med(data, "pipe", "users", "privaci_wall")
        r = pipe / pdata
        out.append(f"| privaci ≥ 0.95 × raw-pipe rows/s ({rows:,.0f}-row users, data phase) "
                   f"| {r:.3f} × ({rows / pdata:,.0f} vs {rows / pipe:,.0f} rows/s) | {yes(r >= 0.95)} |")
        r = pipe / pwall
        out.append(f"| same, on privaci's whole wall time (schema + PK build included) "
                   f"| {r:.3f} × ({rows / pwall:,.0f} rows/s) | {yes(r >= 0.95)} |")
    if demo_p and demo_g:
        out.append(f"| demo database: privaci wall ≤ pgcopydb | {demo_p:.2f} s vs {demo_g:.2f} s "
                   f"({demo_p / demo_g:.3f} ×) | {yes(demo_p <= demo_g)} |")
    if small and big:
        diff = abs(big - small) / small
        out.append(f"| peak RSS 1M vs 10M rows differs < 10% | {small / 1024:.1f} vs {big / 1024:.1f} MiB "
                   f"({diff * 100:+.1f}%) | {yes(diff < 0.10)} |")
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
