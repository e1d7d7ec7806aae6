#!/usr/bin/env python3
"""What `spanbench run --profile` costs the client, printed as a table.

  bench/profile_overhead.py [--spanbench build/src/spanbench] [--runs 6]
                            [--runtime 10] [--sps 1000] [--hz 499]
                            [--clients cpp-mock,node-otel-otlp-proto]

For each client: one calibration, then --runs profiled and --runs
unprofiled traced runs, alternating (so drift falls on both alike), at a
fixed span rate. Per set: the median loop CPU per span (the client's CPU
between /loop_start and /result over the spans it sent), the median CPU
share of the loop, and for the profiled runs perf's own CPU (perf record,
not the client) per second of loop and its samples. The client's overhead
is (profiled - unprofiled) / unprofiled of the loop CPU per span, with the
range of the pairwise differences. Runs that spanbench marked disturbed are
counted and named; run it on a quiet machine for figures that mean much.
Run it in a network namespace of its own if other spanbench runs share the
machine (`unshare -n sh -c 'ip link set lo up && bench/profile_overhead.py'`).
Uses only the standard library.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def spanbench(args, sb):
    """True when the run succeeded; a failed one (a busy machine can time out
    a calibration's verification run) is reported and left out."""
    cmd = [sb] + args
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"  failed, left out: {' '.join(cmd)}: {(p.stderr.strip().splitlines() or ['?'])[-1]}", flush=True)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spanbench", default="build/src/spanbench")
    ap.add_argument("--clients", default="cpp-mock,node-otel-otlp-proto")
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--runtime", type=float, default=10)
    ap.add_argument("--sps", type=float, default=1000)
    ap.add_argument("--hz", type=int, default=499)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="spanbench-profile-bench-")
    rows = []
    for client in a.clients.split(","):
        cal = os.path.join(tmp, f"{client}-cal.json")
        sets = {"profiled": [], "unprofiled": []}
        for i in range(a.runs):
            for profiled in (True, False):
                name = "profiled" if profiled else "unprofiled"
                out = os.path.join(tmp, f"{client}-{name}-{i}.json")
                args = ["run", "--client", client, "--sps", f"{a.sps:g}", "--runtime", f"{a.runtime:g}",
                        "--calibration", cal, "--json", out, "--no-timeout"]
                if profiled:
                    args.append(f"--profile={a.hz}")
                if not spanbench(args, a.spanbench):
                    continue
                r = json.load(open(out))
                sets[name].append(r)
                extra = ""
                if profiled:
                    p = r["profile"]
                    extra = f"  perf {p['profiler_cpu_seconds']:.3f}s CPU, {p['samples']} samples"
                print(f"  {client} {name:10} {i + 1}/{a.runs}: loop {r['loop_cpu_seconds'] / r['spans_sent'] * 1e6:.2f}"
                      f" us CPU/span, {r['cpu_usage'] * 100:.1f}% CPU{extra}"
                      f"{'  DISTURBED: ' + r['disturbance'] if r['disturbed'] else ''}", flush=True)
        per_span = {k: [r["loop_cpu_seconds"] / r["spans_sent"] * 1e6 for r in v] for k, v in sets.items()}
        if not per_span["profiled"] or not per_span["unprofiled"]:
            print(f"{client}: no usable pair of runs")
            continue
        diffs = [(p - u) / u * 100 for p, u in zip(per_span["profiled"], per_span["unprofiled"])]
        perf_share = [r["profile"]["profiler_cpu_seconds"] / r["loop_seconds"] * 100 for r in sets["profiled"]]
        samples_ratio = [r["profile"]["samples"] / (a.hz * r["loop_cpu_seconds"]) for r in sets["profiled"]]
        disturbed = sum(r["disturbed"] for v in sets.values() for r in v)
        rows.append((client, statistics.median(per_span["unprofiled"]), statistics.median(per_span["profiled"]),
                     (statistics.median(per_span["profiled"]) / statistics.median(per_span["unprofiled"]) - 1) * 100,
                     min(diffs), max(diffs), statistics.median(perf_share), statistics.median(samples_ratio),
                     sets["profiled"][0]["profile"]["unwinding"], disturbed))
    print()
    print(f"{a.runs} profiled ({a.hz} Hz) and {a.runs} unprofiled traced runs each, alternating, "
          f"{a.sps:g} spans/s, {a.runtime:g} s")
    print("| client | unwinding | loop CPU/span unprofiled | profiled | client overhead (median; pairs min..max) "
          "| perf's own CPU (% of a core during the loop) | samples / (Hz x loop CPU s) | disturbed runs |")
    print("|---|---|---|---|---|---|---|---|")
    for c, u, p, o, lo, hi, perf, ratio, unw, dist in rows:
        print(f"| {c} | {unw} | {u:.2f} us | {p:.2f} us | {o:+.2f}% ({lo:+.1f}..{hi:+.1f}%) | {perf:.2f}% "
              f"| {ratio:.2f} | {dist} of {2 * a.runs} |")


if __name__ == "__main__":
    main()
