#!/usr/bin/env python3
"""Figures for the benchmark loop, printed as a table.

  bench/core_loop.py [--spanbench build/src/spanbench] [--client cpp-noop]
                     [--calibrations 5] [--runs 10] [--runtime 10]

1. Calibration wall time (probes + verification at the rate): median of
   --calibrations calibrations.
2. Accuracy: after one calibration, --runs untraced runs at 500 spans/s;
   |achieved - target| CPU share (median, max) and achieved/target span rate.
3. spanbench's own CPU while a run goes: CPU of the spanbench process tree
   minus the client's CPU (from the result JSON), over the run's wall time;
   untraced with no satellites, and traced cpp-datadog at 1000 spans/s with
   typical satellites (the satellites run inside spanbench).
Uses only the standard library.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def spanbench(args, sb):
    cmd = [sb] + args
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"core_loop: {' '.join(cmd)} failed:\n{p.stdout}{p.stderr}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spanbench", default="build/src/spanbench")
    ap.add_argument("--client", default="cpp-noop")
    ap.add_argument("--calibrations", type=int, default=5)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--runtime", type=float, default=10)
    ap.add_argument("--sps", type=float, default=500)
    ap.add_argument("--target-cpu", type=float, default=0.7)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="spanbench-bench-")

    cal_times = []
    for i in range(a.calibrations):
        out = os.path.join(tmp, f"cal{i}.json")
        spanbench(["calibrate", "--client", a.client, "--target-cpu", str(a.target_cpu), "--sps", f"{a.sps:g}",
                   "--runtime", f"{a.runtime:g}", "-o", out], a.spanbench)
        c = json.load(open(out))["calibrations"][0]
        cal_times.append(c["calibration_seconds"] + c["rates"][0]["seconds"])
    print(f"calibration wall time: median {statistics.median(cal_times):.2f} s "
          f"(min {min(cal_times):.2f}, max {max(cal_times):.2f}, n={len(cal_times)})", flush=True)

    cal = os.path.join(tmp, "cal0.json")
    errors, rate_ratios, own_cpu = [], [], []
    for i in range(a.runs):
        res = os.path.join(tmp, f"run{i}.json")
        before = children_cpu()
        spanbench(["run", "--client", a.client, "--no-trace", "--sps", str(a.sps), "--runtime", str(a.runtime),
                   "--satellites", "none", "--calibration", cal, "--json", res], a.spanbench)
        total = children_cpu() - before
        r = json.load(open(res))
        errors.append(abs(r["cpu_usage"] - a.target_cpu) * 100)
        rate_ratios.append(r["spans_per_second"] / a.sps)
        own_cpu.append((total - r["program_time"]) / r["clock_time"] * 100)
        print(f"  run {i + 1}: cpu {r['cpu_usage'] * 100:.1f}%  rate {r['spans_per_second']:.1f}/s  "
              f"took {r['clock_time']:.2f}s", flush=True)
    print(f"|achieved - target| CPU share over {a.runs} untraced runs at {a.sps:g} sps: "
          f"median {statistics.median(errors):.2f} points, max {max(errors):.2f} points")
    print(f"achieved/target spans per second: median {statistics.median(rate_ratios):.4f}, "
          f"range {min(rate_ratios):.4f}-{max(rate_ratios):.4f}")
    print(f"spanbench's own CPU during untraced runs (no satellites): median "
          f"{statistics.median(own_cpu):.3f}% of a core (includes its start-up and the calibration file read)")

    dd_own = []
    for i in range(5):
        res = os.path.join(tmp, f"dd{i}.json")
        before = children_cpu()
        spanbench(["run", "--client", "cpp-datadog", "--sps", "1000", "--runtime", str(a.runtime),
                   "--calibration", os.path.join(tmp, "cal-dd.json"), "--json", res], a.spanbench)
        total = children_cpu() - before
        r = json.load(open(res))
        if i == 0:
            continue  # the first run also calibrated; count the other four
        dd_own.append((total - r["program_time"]) / r["clock_time"] * 100)
    print(f"spanbench's own CPU during traced cpp-datadog runs at 1000 sps with typical satellites: "
          f"median {statistics.median(dd_own):.3f}% of a core (n={len(dd_own)})")


if __name__ == "__main__":
    main()
