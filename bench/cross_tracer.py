#!/usr/bin/env python3
"""The cross-tracer comparison: for each ready client that reports
over the network, the CPU overhead of the traced run over the untraced run at
1,000 and 10,000 spans/s (median of --trials each, runs alternating), RSS at
the end of the traced run, and spans dropped. Prints a Markdown table.
Two columns hold up on a busy machine, where CPU shares do not (a client
that waits for a CPU stretches its loop and shows a lower share): the
tracer's CPU per span (median loop CPU per span, traced minus untraced),
and how many of the runs spanbench marked disturbed.

  bench/cross_tracer.py [--spanbench build/src/spanbench] [--trials 5]
                        [--runtime 5] [--rates 1000,10000] [--clients a,b]
Uses only the standard library.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(sb, args):
    p = subprocess.run([sb] + args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def ready_network_clients(sb):
    code, out = run(sb, ["clients"])
    if code != 0:
        sys.exit(out)
    names = []
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "ready" and parts[2] != "none":
            names.append(parts[0])
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spanbench", default="build/src/spanbench")
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--runtime", type=float, default=5)
    ap.add_argument("--rates", default="1000,10000")
    ap.add_argument("--clients", default="")
    a = ap.parse_args()
    clients = a.clients.split(",") if a.clients else ready_network_clients(a.spanbench)
    rates = [float(r) for r in a.rates.split(",")]
    tmp = tempfile.mkdtemp(prefix="spanbench-cross-")
    print("| client | spans/s | untraced CPU | traced CPU | overhead (points) | achieved spans/s | "
          "RSS at end (MiB) | dropped | tracer CPU per span (us) | disturbed runs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    for client in clients:
        cal = os.path.join(tmp, f"{client}-cal.json")
        for rate in rates:
            rows = {True: [], False: []}
            failures = []
            for t in range(a.trials):
                for trace in (False, True):
                    res = os.path.join(tmp, f"{client}-{rate:g}-{trace}-{t}.json")
                    code, out = run(a.spanbench, [
                        "run", "--client", client, "--trace" if trace else "--no-trace", "--sps", f"{rate:g}",
                        "--runtime", f"{a.runtime:g}", "--no-timeout", "--calibration", cal, "--json", res])
                    if code != 0:
                        failures.append(out.strip().splitlines()[-1])
                        continue
                    rows[trace].append(json.load(open(res)))
            if not rows[True] or not rows[False]:
                print(f"| {client} | {rate:g} | failed: {failures[:1]} | | | | | | | |", flush=True)
                continue
            cpu_u = statistics.median(r["cpu_usage"] for r in rows[False])
            cpu_t = statistics.median(r["cpu_usage"] for r in rows[True])
            sps_t = statistics.median(r["spans_per_second"] for r in rows[True])
            rss = statistics.median((r["memory_list"] or [r["max_rss_bytes"]])[-1] for r in rows[True]) / 2**20
            dropped = statistics.median(r["dropped_spans"] for r in rows[True])
            sent = statistics.median(r["spans_sent"] for r in rows[True])
            per_span = {k: statistics.median(r["loop_cpu_seconds"] / max(1, r["spans_sent"]) for r in v)
                        for k, v in rows.items()}
            disturbed = sum(bool(r.get("disturbed")) for v in rows.values() for r in v)
            runs = sum(len(v) for v in rows.values())
            note = f" ({len(failures)} runs failed)" if failures else ""
            print(f"| {client} | {rate:g} | {cpu_u * 100:.1f}% | {cpu_t * 100:.1f}% | "
                  f"{(cpu_t - cpu_u) * 100:+.1f} | {sps_t:.0f} | {rss:.1f} | {dropped:g} of {sent:g}{note} | "
                  f"{(per_span[True] - per_span[False]) * 1e6:.1f} | {disturbed} of {runs} |",
                  flush=True)


if __name__ == "__main__":
    main()
