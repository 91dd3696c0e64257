#!/usr/bin/env python3
"""Throughput of brine scan vs picklescan on the records workload.

    python3 throughput.py --brine target/release/brine --tools /tmp/scantools/bin

Workloads (written to /tmp unless present):
  records        1,000,000 dicts {'id', 'name', 'score', 'tags'}, protocol 5
                 (~47 MB): pure data, judged by the opcode walk
  records+date   the same list plus one datetime.date: one import, so
                 brine decodes the whole object graph

Each tool runs in its own child; reported: best wall time of --runs runs
(picklescan: of --slow-runs), CPU time (user+sys) and peak RSS of one run.
"""
import argparse
import datetime
import os
import pickle
import subprocess
import time

ap = argparse.ArgumentParser()
ap.add_argument("--brine", required=True)
ap.add_argument("--tools", required=True)
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--slow-runs", type=int, default=1)
args = ap.parse_args()


def records():
    return [{"id": i, "name": f"name{i}", "score": i * 0.5, "tags": ["a", "b"]} for i in range(10**6)]


WORKLOADS = {
    "records": ("/tmp/brine_scan_records.pkl", lambda: pickle.dumps(records(), 5)),
    "records+date": ("/tmp/brine_scan_records_date.pkl",
                     lambda: pickle.dumps(records() + [datetime.date(2024, 1, 1)], 5)),
}


def run_once(cmd):
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    return time.perf_counter() - t, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


def measure(cmd, runs):
    results = [run_once(cmd) for _ in range(runs)]
    best = min(results, key=lambda r: r[0])
    return best


print("| workload | tool | wall (best) | CPU | throughput | peak RSS | exit |")
print("|---|---|---|---|---|---|---|")
for name, (path, make) in WORKLOADS.items():
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(make())
    size = os.path.getsize(path)
    res = {}
    for tool, cmd, runs in [
        ("brine scan", [args.brine, "scan", "--no-progress", path], args.runs),
        ("picklescan", [os.path.join(args.tools, "picklescan"), "--path", path], args.slow_runs),
    ]:
        wall, cpu, rss, rc = measure(cmd, runs)
        res[tool] = (wall, cpu)
        print(f"| {name} ({size / 1e6:.0f} MB) | {tool} | {wall:.3f} s | {cpu:.3f} s | "
              f"{size / wall / 1e6:.1f} MB/s | {rss / 1024:.0f} MiB | {rc} |", flush=True)
    w = res["picklescan"][0] / res["brine scan"][0]
    c = res["picklescan"][1] / res["brine scan"][1]
    print(f"| {name} | speedup | {w:.0f}x | {c:.0f}x | | | |", flush=True)
