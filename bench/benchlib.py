#!/usr/bin/env python3
"""Small helpers for bench/run.sh (kept out of bash for exact arithmetic).

  benchlib.py cpu POSTMASTER_PID_FILE
      "<server_cpu_s> <machine_busy_s>": CPU seconds used so far by the
      cluster (the postmaster, its live children, and every child it has
      already reaped: backends that exited are in the postmaster's
      cutime/cstime) and by the whole machine (/proc/stat, all cores,
      everything but idle and iowait). Differences of two readings give the
      CPU a measured command cost the server, and the CPU other processes
      on the machine took meanwhile.
  benchlib.py event FILE EVENT KEY [TABLE]
      the field KEY of the first JSON-lines event EVENT (of TABLE) in FILE.
  benchlib.py monitor POSTMASTER_PID_FILE OUT STOPFILE
      samples "<unix time> <server_cpu_s> <machine_busy_s>" every 50 ms
      into OUT until STOPFILE exists.
  benchlib.py phase JSONL SAMPLES TABLE
      "<server_cpu_s> <machine_busy_cores>" between TABLE's table.start and
      table.end events: privaci's data phase alone.
  benchlib.py rusage TIME_V_FILE
      "<user+sys seconds> <max RSS KiB>" from a GNU `time -v` report.
"""
import datetime
import json
import os
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()  # fields[n - 3] is stat field n


def server_cpu(pidfile):
    with open(pidfile) as f:
        pm = int(f.readline())
    fld = stat_fields(pm)
    ticks = sum(int(x) for x in fld[11:15])  # utime stime cutime cstime
    for child in children(pm):
        try:
            fld = stat_fields(child)
        except OSError:  # exited since: its CPU is in cutime/cstime now
            continue
        ticks += int(fld[11]) + int(fld[12])
    return ticks / TICK


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return f.read().split()
    except OSError:  # kernel without CONFIG_PROC_CHILDREN: scan /proc
        out = []
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    if int(stat_fields(p)[1]) == pid:
                        out.append(p)
                except OSError:
                    pass
        return out


def machine_busy():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    return (sum(cpu[:8]) - cpu[3] - cpu[4]) / TICK


def monitor(pidfile, out, stopfile):
    """Every 50 ms: "<unix time> <server cpu s> <machine busy s>", until stopfile exists."""
    with open(out, "w") as f:
        while not os.path.exists(stopfile):
            f.write(f"{time.time():.3f} {server_cpu(pidfile):.2f} {machine_busy():.2f}\n")
            f.flush()
            time.sleep(0.05)


def phase(jsonl, samples, table):
    """Server CPU seconds and machine-busy cores between TABLE's table.start
    and table.end events (their timestamps, matched to the nearest samples)."""
    stamps = {}
    for line in open(jsonl):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("table_name") == table and e.get("event") in ("table.start", "table.end"):
            stamps[e["event"]] = datetime.datetime.fromisoformat(e["timestamp"]).timestamp()
    mon = [tuple(map(float, l.split())) for l in open(samples) if l.strip()]
    if len(stamps) < 2 or len(mon) < 2:
        return ""
    a = min(mon, key=lambda m: abs(m[0] - stamps["table.start"]))
    b = min(mon, key=lambda m: abs(m[0] - stamps["table.end"]))
    span = max(b[0] - a[0], 1e-9)
    return f"{b[1] - a[1]:.2f} {(b[2] - a[2]) / span:.2f}"


def event(path, name, key, table=None):
    for line in open(path):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event") == name and (table is None or e.get("table_name") == table):
            return e.get(key)
    return None


def rusage(path):
    user = sys_ = rss = 0.0
    for line in open(path):
        k, _, v = line.strip().rpartition(": ")
        if k == "User time (seconds)":
            user = float(v)
        elif k == "System time (seconds)":
            sys_ = float(v)
        elif k == "Maximum resident set size (kbytes)":
            rss = int(v)
    return f"{user + sys_:.2f} {rss}"


def main(argv):
    cmd = argv[1]
    if cmd == "cpu":
        print(f"{server_cpu(argv[2]):.2f} {machine_busy():.2f}")
    elif cmd == "event":
        v = event(*argv[2:])
        print("" if v is None else v)
    elif cmd == "monitor":
        monitor(*argv[2:5])
    elif cmd == "phase":
        print(phase(*argv[2:5]))
    elif cmd == "rusage":
        print(rusage(argv[2]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
