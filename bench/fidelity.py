#!/usr/bin/env python3
"""How far spanbench's numbers can be trusted, printed as tables.

  bench/fidelity.py [--spanbench build/src/spanbench]
                    [--clients cpp-noop,node-otel-otlp-proto,python-noop]
                    [--rates 100,1000,5000] [--calibrations 5] [--runs 2]
                    [--runtime 10] [--aa-repetitions 10] [--skip-aa]

1. Calibration accuracy. For each client and rate: --calibrations fresh
   calibrations (`spanbench calibrate --sps RATE`), each followed by --runs
   untraced runs with it. Reports |loop CPU share - target| (median, max,
   in points), achieved / target spans per second (median, worst), the
   calibration's wall time (probes + verification at that rate) and how
   many verification runs it took. Goals: median CPU error <= 0.5 point,
   none > 1.5; rate within 2%, median within 1%.
2. A/A test. cpp-noop traced and untraced are the same program: --aa-
   repetitions alternating pairs must give an overhead whose 95% interval
   contains 0 and is at most 1 point wide. cpp-mock (a real tracer doing
   real span work) at 1000 spans/s must give an interval that excludes 0.

Runs marked disturbed (the machine was busy) are counted and shown; the
figures are only worth quoting when that count is 0. Runs clients with
--no-trace through their own registry entries, so a Node.js or Python
client's interpreter start-up is part of what is measured. Standard library only.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile


def spanbench(sb, args):
    cmd = [sb] + args
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"fidelity: {' '.join(cmd)} failed (exit {p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def hodges_lehmann(xs, ys, z=1.959964):
    """Shift estimate median(x - y) over all pairs, with the distribution-free
    interval from the Mann-Whitney U distribution (normal approximation)."""
    d = sorted(x - y for x in xs for y in ys)
    m, n = len(xs), len(ys)
    k = int(math.floor(m * n / 2 - z * math.sqrt(m * n * (m + n + 1) / 12)))
    k = max(k, 0)
    return statistics.median(d), d[k], d[len(d) - 1 - k]


def accuracy(a, tmp):
    rows = []
    for client in a.clients.split(","):
        for rate in [float(r) for r in a.rates.split(",")]:
            errs, ratios, cal_s, iters, disturbed, noisy = [], [], [], [], 0, 0
            for i in range(a.calibrations):
                cal = os.path.join(tmp, f"cal-{client}-{rate:g}-{i}.json")
                spanbench(a.spanbench, ["calibrate", "--client", client, "--sps", f"{rate:g}",
                                        "--runtime", f"{a.runtime:g}", "-o", cal])
                c = json.load(open(cal))["calibrations"][0]
                fit = c["rates"][0]
                cal_s.append(c["calibration_seconds"] + fit["seconds"])
                iters.append(fit["iterations"])
                noisy += fit.get("noisy_runs", 0)
                for j in range(a.runs):
                    res = os.path.join(tmp, f"run-{client}-{rate:g}-{i}-{j}.json")
                    spanbench(a.spanbench, ["run", "--client", client, "--no-trace", "--sps",
                                            f"{rate:g}", "--runtime", f"{a.runtime:g}",
                                            "--satellites", "none", "--calibration", cal,
                                            "--json", res])
                    r = json.load(open(res))
                    errs.append(abs(r["cpu_usage"] - c["target_cpu"]) * 100)
                    ratios.append(r["spans_per_second"] / rate)
                    disturbed += bool(r.get("disturbed"))
                    print(f"  {client} {rate:g}/s cal {i + 1} run {j + 1}: cpu "
                          f"{r['cpu_usage'] * 100:.2f}%  rate {r['spans_per_second']:.1f}/s"
                          f"{'  DISTURBED: ' + r['disturbance'] if r.get('disturbed') else ''}",
                          flush=True)
            worst = max(ratios, key=lambda x: abs(x - 1))
            rows.append((client, rate, statistics.median(errs), max(errs),
                         statistics.median(ratios), worst, statistics.median(cal_s), max(cal_s),
                         statistics.median(iters), disturbed, len(errs), noisy))
    print()
    print("| client | spans/s | CPU error median | CPU error max | rate median | rate worst "
          "| calibration s (median, max) | verification runs | disturbed runs | noisy verifications |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:g} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.4f} | {r[5]:.4f} | "
              f"{r[6]:.1f}, {r[7]:.1f} | {r[8]:g} | {r[9]} of {r[10]} | {r[11]} |", flush=True)


def aa_test(a, tmp, client, sps):
    out = os.path.join(tmp, f"aa-{client}")
    cal = os.path.join(tmp, f"aa-cal-{client}.json")
    spanbench(a.spanbench, ["run", "--client", client, "--sps", f"{sps:g}", "--runtime",
                            f"{a.runtime:g}", "--satellites", "none", "--repeat",
                            str(a.aa_repetitions), "--out", out, "--calibration", cal])
    shares, per_span, disturbed = {}, {}, 0
    for kind in ("traced", "untraced"):
        shares[kind], per_span[kind] = [], []
        for f in sorted(os.listdir(os.path.join(out, kind))):
            r = json.load(open(os.path.join(out, kind, f)))
            shares[kind].append(r["cpu_usage"] * 100)
            per_span[kind].append(r["loop_cpu_seconds"] / max(1, r["spans_sent"]) * 1e9)
            disturbed += bool(r.get("disturbed"))
    est, lo, hi = hodges_lehmann(shares["traced"], shares["untraced"])
    ns, nlo, nhi = hodges_lehmann(per_span["traced"], per_span["untraced"])
    print(f"| {client} | {sps:g} | {est:+.2f} [{lo:+.2f}, {hi:+.2f}] | {hi - lo:.2f} | "
          f"{ns:+.0f} [{nlo:+.0f}, {nhi:+.0f}] | {'yes' if lo <= 0 <= hi else 'no'} | "
          f"{disturbed} of {2 * a.aa_repetitions} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spanbench", default="build/src/spanbench")
    ap.add_argument("--clients", default="cpp-noop,node-otel-otlp-proto,python-noop")
    ap.add_argument("--rates", default="100,1000,5000")
    ap.add_argument("--calibrations", type=int, default=5)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--runtime", type=float, default=10)
    ap.add_argument("--aa-repetitions", type=int, default=10)
    ap.add_argument("--skip-aa", action="store_true")
    ap.add_argument("--skip-accuracy", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="spanbench-fidelity-")
    with open("/proc/loadavg") as f:
        print(f"load average at start: {f.read().split()[0]} on {os.cpu_count()} cores", flush=True)
    if not a.skip_accuracy:
        accuracy(a, tmp)
    if not a.skip_aa:
        print()
        print("| A/A client | spans/s | overhead, CPU points [95% CI] | CI width | "
              "ns CPU per span [95% CI] | CI contains 0 | disturbed runs |")
        print("|---|---|---|---|---|---|---|")
        aa_test(a, tmp, "cpp-noop", 1000)
        aa_test(a, tmp, "cpp-mock", 1000)
    with open("/proc/loadavg") as f:
        print(f"load average at end: {f.read().split()[0]}")


if __name__ == "__main__":
    main()
