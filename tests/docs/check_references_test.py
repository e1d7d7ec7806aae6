#!/usr/bin/env python3
"""Runs check_references.py on a scratch tree: clean text passes; each kind
of outside reference fails the check, reported as FILE:LINE. The forbidden
strings are assembled from pieces so that this file passes the check."""
import os
import subprocess
import sys
import tempfile

checker = sys.argv[1]
SEED = "se" + "ed"
BAD = [
    "see " + "DES" + "IGN \u00a7" + "3 for why",
    "as in ../" + "shared/notes.md",
    "The " + SEED + "'s numbers",
    "spans are " + SEED + "-shaped",
    "fixes " + "is" + "sue 7",
    "from \"Benchmarking " + "New Tracers\"",
]
CLEAN = [
    "the fuzz " + SEED + " corpus under tests/fuzz/corpus",
    "std::mt19937_64 rng(" + SEED + ");",
    "LightStep Benchmarks' numbers (docs/suites.md)",
]


def run(lines):
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "notes.md"), "w") as f:
            f.write("\n".join(lines) + "\n")
        return subprocess.run([sys.executable, checker, root], capture_output=True, text=True)


failures = 0
clean = run(CLEAN)
if clean.returncode != 0:
    print(f"clean text failed the check:\n{clean.stdout}{clean.stderr}")
    failures += 1
for i, line in enumerate(BAD):
    r = run(CLEAN + [line])
    where = f"notes.md:{len(CLEAN) + 1}:"
    if r.returncode != 1 or where not in r.stdout:
        print(f"not caught: {line!r} (exit {r.returncode}):\n{r.stdout}{r.stderr}")
        failures += 1
print(f"{len(BAD)} forbidden references, {len(CLEAN)} clean lines, {failures} failures")
sys.exit(1 if failures else 0)
