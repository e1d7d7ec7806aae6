#!/usr/bin/env python3
"""Wall time of a small sweep run whole against the same sweep split into N
shards run at the same time, each in its own network namespace (as on N
machines, but here sharing this machine's cores), then merged. Prints the
whole sweep's wall time, each shard's, the longest, and the merge's.

  bench/sweep_shards.py [--spanbench build/src/spanbench] [--clients cpp-datadog,cpp-mock]
                        [--rates 200,1000] [--repetitions 2] [--runtime 1] [--shards 2]
                        [--work DIR]

Needs root (unshare -n) and the clients built. Each sweep, whole or shard,
starts without a calibration, as a fresh machine would. Uses only the
standard library.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time


def sweep_argv(a, out, shard=None):
    argv = [a.spanbench, "sweep", "--client", a.clients, "--rates", a.rates,
            "--repetitions", str(a.repetitions), "--runtime", str(a.runtime), "--out", out,
            "--log-dir", out + "-logs"]
    if shard:
        argv += ["--shard", shard]
    return argv


def in_namespace(argv):
    """argv in a private network namespace with its loopback up: the same
    ports in every shard, as on separate machines."""
    return ["unshare", "-n", "sh", "-c", "ip link set lo up && exec " + shlex.join(argv)]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spanbench", default="build/src/spanbench")
    ap.add_argument("--clients", default="cpp-datadog,cpp-mock")
    ap.add_argument("--rates", default="200,1000")
    ap.add_argument("--repetitions", type=int, default=2)
    ap.add_argument("--runtime", type=float, default=1)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--work", default="")
    a = ap.parse_args()
    a.spanbench = os.path.abspath(a.spanbench)
    work = a.work or tempfile.mkdtemp(prefix="spanbench-shards-")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    load_before = os.getloadavg()[0]

    t0 = time.monotonic()
    whole = subprocess.run(in_namespace(sweep_argv(a, os.path.join(work, "whole"))),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    whole_s = time.monotonic() - t0
    if whole.returncode != 0:
        sys.exit(f"the whole sweep failed ({whole.returncode}):\n{whole.stdout[-2000:]}")

    procs, started = [], time.monotonic()
    for i in range(1, a.shards + 1):
        out = os.path.join(work, f"shard-{i}")
        argv = in_namespace(sweep_argv(a, out, f"{i}/{a.shards}"))
        procs.append((i, subprocess.Popen(argv, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True)))
    shard_s = {}
    for i, p in procs:
        output, _ = p.communicate()
        shard_s[i] = time.monotonic() - started
        if p.returncode != 0:
            sys.exit(f"shard {i} failed ({p.returncode}):\n{output[-2000:]}")

    t0 = time.monotonic()
    dirs = [os.path.join(work, f"shard-{i}") for i in range(1, a.shards + 1)]
    merge = subprocess.run([a.spanbench, "merge", *dirs, "-o", os.path.join(work, "merged")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    merge_s = time.monotonic() - t0
    if merge.returncode != 0:
        sys.exit(f"merge failed ({merge.returncode}):\n{merge.stdout[-2000:]}")

    longest = max(shard_s.values())
    print(f"sweep: clients {a.clients}, rates {a.rates}, {a.repetitions} repetitions of "
          f"{a.runtime:g} s, on {os.cpu_count()} cores (load average before: "
          f"{load_before:.1f}, after: {os.getloadavg()[0]:.1f})")
    print(f"whole sweep:            {whole_s:7.1f} s")
    for i, s in sorted(shard_s.items()):
        print(f"shard {i}/{a.shards} (in parallel): {s:7.1f} s")
    print(f"longest shard:          {longest:7.1f} s  ({whole_s / longest:.2f}x faster than whole)")
    print(f"merge:                  {merge_s:7.1f} s")
    print(f"folders in {work}")


if __name__ == "__main__":
    main()
