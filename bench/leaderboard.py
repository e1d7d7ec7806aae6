#!/usr/bin/env python3
"""What the leaderboard costs on a big sweep folder: writes a synthetic one
(result files of the size and shape a sweep writes, every figure drawn at
random around a plausible value) and times `spanbench leaderboard` on it
and `spanbench report` (the leaderboard's tables and graphs, and every
result set of the sweep).

Usage: bench/leaderboard.py --spanbench build/src/spanbench
           [--clients 14] [--rates 4] [--modes 2] [--repetitions 10] [--work DIR]
Runs: clients x rates x repetitions x (1 untraced + modes traced).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import time


def run_doc(client, rate, mode, rep, host):
    traced = mode != "untraced"
    sent = int(rate * 10)
    cpu = 0.70 + (0.05 if traced else 0) + random.gauss(0, 0.01)
    doc = {
        "client": client, "trace": traced, "target_spans_per_second": rate,
        "target_runtime": 10.0, "spans_sent": sent, "spans_planned": sent,
        "spans_received": sent if traced else 0, "dropped_spans": 0,
        "duplicate_spans": 0, "program_time": 7.5, "clock_time": 10.4,
        "cpu_usage": cpu, "process_cpu_usage": cpu, "spans_per_second": rate * 0.999,
        "cpu_list": [cpu] * 10, "memory_list": [50 << 20] * 10,
        "max_rss_bytes": (60 << 20) if traced else (50 << 20),
        "loop_seconds": 10.0, "loop_cpu_seconds": cpu * 10,
        "satellites": mode if traced else "none", "disturbed": False, "disturbance": "",
        "tracer_version": f"{client} 1.0",
        "export_latency_p50_seconds": 0.5 + random.random() * 0.1 if traced else None,
        "export_latency_p99_seconds": 1.0 + random.random() * 0.1 if traced else None,
        "export_latency_spans": sent if traced else 0,
        "context": {"host": host, "cpu_model": "AMD EPYC", "num_cpus": 2},
        "sweep": {"client": client, "rate": rate, "mode": mode if traced else "none",
                  "trace": traced, "repetition": rep, "shard": "1/1", "plan_id": "bench"},
    }
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spanbench", required=True)
    ap.add_argument("--clients", type=int, default=14)
    ap.add_argument("--rates", type=int, default=4)
    ap.add_argument("--modes", type=int, default=2)
    ap.add_argument("--repetitions", type=int, default=10)
    ap.add_argument("--work", default="/tmp/spanbench-leaderboard-bench")
    args = ap.parse_args()

    random.seed(1)
    shutil.rmtree(args.work, ignore_errors=True)
    clients = [f"client-{i:02}" for i in range(args.clients)]
    rates = [1000 * 10 ** (i / 2) for i in range(args.rates)]
    modes = ["typical", "slow_fail", "slow_succeed"][:args.modes]
    groups = []
    runs = 0
    for c in clients:
        for r in rates:
            groups.append(f"{c}@{r:g}")
            for mode in ["untraced"] + modes:
                folder = os.path.join(args.work, "runs", c, f"{r:g}", mode)
                os.makedirs(folder)
                for rep in range(1, args.repetitions + 1):
                    with open(os.path.join(folder, f"run-{rep:03}.json"), "w") as f:
                        json.dump(run_doc(c, r, mode, rep, "bench-host"), f, indent=2)
                    runs += 1
    with open(os.path.join(args.work, "plan.json"), "w") as f:
        json.dump({"format": "spanbench-sweep/1", "plan_id": "bench",
                   "shard": {"index": 1, "count": 1}, "groups": groups}, f)
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(args.work) for n in ns)
    print(f"{runs} runs in {len(groups)} groups, {size / 2**20:.1f} MiB of result files")

    for name, cmd in [("leaderboard", [args.spanbench, "leaderboard", args.work]),
                      ("report", [args.spanbench, "report", args.work, "-o",
                                  os.path.join(args.work, "report.html")])]:
        best = None
        for _ in range(3):
            t0 = time.monotonic()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            took = time.monotonic() - t0
            best = took if best is None else min(best, took)
        print(f"{name}: {best:.2f} s (best of 3)")


if __name__ == "__main__":
    main()
