#!/usr/bin/env python3
"""What reading and comparing profiles costs on big ones: writes a synthetic
`run --repeat --profile` folder (result JSONs and folded stacks of the shape
perf gives: a few thousand distinct stacks a run, C++ names with templates,
a tracer's frames only on the traced side) and times `spanbench profile
diff` (tables, exports and the differential SVG) and `spanbench report`
(the interactive flame graph inlined), and gives the files' sizes.

Usage: bench/profile_diff.py --spanbench build/src/spanbench
           [--runs 5] [--stacks 5000] [--depth 30] [--work DIR]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import time


def frame_names(n, rng):
    parts = ["std::vector<int, std::allocator<int> >::push_back", "opentracing::Span::Log",
             "datadog::opentracing::SpanBuffer::finishSpan", "msgpack::packer<sbuffer>::pack",
             "std::_Hashtable<std::string, std::pair<const std::string, Value> >::find",
             "operator new(unsigned long)", "[no symbols: libc.so.6]", "memcpy", "malloc"]
    return [f"{rng.choice(parts)}#{i}" for i in range(n)]


def write_side(folder, trace, runs, stacks, depth, rng):
    names = frame_names(400, rng)
    tracer = frame_names(120, rng)
    os.makedirs(folder, exist_ok=True)
    for r in range(1, runs + 1):
        stem = f"run-{r:03d}"
        lines = {}
        for _ in range(stacks):
            d = rng.randint(3, depth)
            frames = ["spanbench-client", "main", "run_span_loop"]
            pool = tracer if trace and rng.random() < 0.3 else names
            frames += [rng.choice(pool) for _ in range(d - 3)]
            key = ";".join(frames)
            lines[key] = lines.get(key, 0) + rng.randint(1, 5)
        with open(os.path.join(folder, stem + ".folded"), "w") as f:
            for k, v in lines.items():
                f.write(f"{k} {v}\n")
        doc = {"client": "synthetic", "trace": trace, "target_spans_per_second": 1000.0,
               "spans_sent": 10000, "cpu_usage": 0.7, "loop_seconds": 10.0,
               "loop_cpu_seconds": 7.0, "profiled": True,
               "profile": {"folded": stem + ".folded", "frequency_hz": 499,
                           "samples": sum(lines.values()), "lost_samples": 0,
                           "unwinding": "dwarf", "notes": []}}
        with open(os.path.join(folder, stem + ".json"), "w") as f:
            json.dump(doc, f)


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr}")
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spanbench", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--stacks", type=int, default=5000)
    p.add_argument("--depth", type=int, default=30)
    p.add_argument("--work", default="/tmp/spanbench-bench-profile")
    a = p.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    rng = random.Random(1)
    write_side(os.path.join(a.work, "repeat", "untraced"), False, a.runs, a.stacks, a.depth, rng)
    write_side(os.path.join(a.work, "repeat", "traced"), True, a.runs, a.stacks, a.depth, rng)
    folded = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(a.work)
                 for f in fs if f.endswith(".folded"))
    svg = os.path.join(a.work, "diff.svg")
    diff = min(timed([a.spanbench, "profile", "diff", os.path.join(a.work, "repeat"), "-o", svg,
                      "--export-json", os.path.join(a.work, "diff.json")]) for _ in range(3))
    html = os.path.join(a.work, "report.html")
    report = min(timed([a.spanbench, "report", a.work, "-o", html]) for _ in range(3))
    print(f"{2 * a.runs} runs, {a.stacks} stacks a run (depth up to {a.depth}), "
          f"{folded / 2**20:.1f} MiB of folded stacks")
    print(f"profile diff: {diff:.2f} s (best of 3), SVG {os.path.getsize(svg) / 2**10:.0f} KiB")
    print(f"report: {report:.2f} s (best of 3), HTML {os.path.getsize(html) / 2**10:.0f} KiB")


if __name__ == "__main__":
    main()
