#!/usr/bin/env python3
"""Runs the minimal client printed in docs/protocol.md ("A minimal client")
under `spanbench run`, so the page's example keeps working.

    run_doc_client.py SPANBENCH REPO_ROOT CONTROL_PORT
"""
import json
import os
import re
import subprocess
import sys
import tempfile

spanbench, root, port = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(os.path.join(root, "docs", "protocol.md"), encoding="utf-8").read()
m = re.search(r"### A minimal client\n.*?```python\n(.*?)```", text, re.S)
if not m:
    sys.exit("docs/protocol.md has no ```python block under '### A minimal client'")

with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "client.py"), "w") as f:
        f.write(m.group(1))
    with open(os.path.join(d, "clients.toml"), "w") as f:
        f.write('[clients.example]\ncommand = ["python3", "client.py"]\nprotocol = "none"\n')
    # A saved calibration, so the run starts at once: the point is the
    # protocol, not the CPU share.
    with open(os.path.join(d, "cal.json"), "w") as f:
        json.dump({"client": "example", "target_cpu": 0.7, "work_ns_per_unit": 30,
                   "span_overhead_ns": 0, "startup_cpu_seconds": 0, "startup_wall_seconds": 0,
                   "rates": [{"spans_per_second": 50, "cpu_scale": 1,
                              "sleep_overshoot_ns": 0}]}, f)
    cmd = [spanbench, "--clients", os.path.join(d, "clients.toml"), "--log-dir",
           os.path.join(d, "logs"), "run", "--client", "example", "--sps", "50", "--runtime",
           "1", "--calibration", os.path.join(d, "cal.json"), "--json",
           os.path.join(d, "result.json"), "--control-port", port,
           # A busy machine may stretch the interpreter's start past
           # 2 x runtime + 2 s; the 120 s below still catches a hang.
           "--no-timeout"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    print(r.stdout + r.stderr)
    if r.returncode != 0:
        sys.exit(f"spanbench run of the docs' client exited {r.returncode}")
    result = json.load(open(os.path.join(d, "result.json")))
    problems = []
    if result.get("spans_sent") != 50:
        problems.append(f"spans_sent {result.get('spans_sent')}, not 50")
    if result.get("loop_end") != "result":
        problems.append(f"loop_end {result.get('loop_end')!r}: /result was not taken")
    if result.get("tracer_version") != "none (example)":
        problems.append(f"tracer_version {result.get('tracer_version')!r}")
    if not result.get("setup_seconds", 0) >= 0 or result.get("loop_seconds", 0) <= 0:
        problems.append("no loop measured between /loop_start and /result")
    if problems:
        sys.exit("the docs' client: " + "; ".join(problems))
    print("the minimal client of docs/protocol.md follows the protocol")
