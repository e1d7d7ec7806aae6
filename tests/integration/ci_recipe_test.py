#!/usr/bin/env python3
"""The CI recipe (examples/ci/github-actions.yml) is valid YAML, has the
steps docs/ci.md promises, and every spanbench command in it works: each
one is run here, in the order of the workflow and in its step's
working-directory, with the real binary and clients, changed only so that
it is short and uses this test's ports:

  * the binary path (build/src/spanbench, base/build/src/spanbench, ...)
    becomes the build tree's spanbench, with the repository's registry;
  * clients get this test's control and satellite ports and a shared
    calibration file;
  * --runtime becomes 0.5 s and --repeat 2; regress reads its profile from
    a tiny suite file with the same profile name.

Then every file the workflow uploads or reads is checked to be there.
Usage: ci_recipe_test.py --yaml FILE --spanbench BIN --clients TOML --work DIR
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

try:
    import yaml
except ImportError:
    sys.exit("ci_recipe_test: python3-yaml is missing (scripts/install-deps.sh installs it)")

CONTROL_PORT = 18175
SATELLITE_PORTS = "19250-19251"

# The regress profiles of the workflow, shrunk: the same checks, tiny runs.
TINY_SUITE = """
[{p}.memory]
short_runtime = 1
long_runtime = 2
[{p}.dropped]
rates = [100]
runtime = 1
[{p}.cpu]
runtime = 1
trials = 2
[{p}.throughput]
rates = [1000]
runtime = 1
min_spans_per_second = 500
"""

# Exit codes each subcommand may end with here. run and report must
# succeed; regress may fail or be noisy on a busy machine, but never be a
# usage error; compare of two sets of 2 runs can never reach significance
# (so 1 would be wrong), and may be noisy.
ALLOWED_EXIT = {"run": {0}, "report": {0}, "regress": {0, 1, 3}, "compare": {0, 3}}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def logical_lines(script):
    """The lines of a run: script, continuation lines joined, comments dropped."""
    out, current = [], ""
    for raw in script.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip() and not current.strip().startswith("#"):
            out.append(current.strip())
        current = ""
    return out


def spanbench_argv(line):
    """The spanbench command of a line (up to any shell operator), or None."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        return None
    argv = []
    for t in tokens:
        if t in ("||", "&&", ";", "|", ">", ">>", "2>&1"):
            break
        argv.append(t)
    if argv and os.path.basename(argv[0]) == "spanbench":
        return argv
    return None


def option_values(argv, name):
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == name]


def rewrite(argv, spanbench, clients, work):
    """The command made short and local (see the module docstring)."""
    sub = argv[1]
    rest = list(argv[2:])
    for i, a in enumerate(rest[:-1]):
        if a == "--runtime":
            rest[i + 1] = "0.5"
        elif a == "--repeat":
            rest[i + 1] = "2"
    extra = []
    if sub in ("run", "regress", "calibrate", "graph", "check"):
        extra += ["--control-port", str(CONTROL_PORT), "--satellite-ports", SATELLITE_PORTS,
                  "--calibration", os.path.join(work, "calibration.json")]
    if sub == "regress":
        profile = (option_values(rest, "--profile") or ["quick"])[0]
        suite = os.path.join(work, "tiny-suite.toml")
        with open(suite, "w") as f:
            f.write(TINY_SUITE.format(p=profile))
        extra += ["--suite", suite]
    return [spanbench, "--clients", clients, sub] + rest + extra


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yaml", required=True)
    ap.add_argument("--spanbench", required=True)
    ap.add_argument("--clients", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()

    with open(args.yaml) as f:
        doc = yaml.safe_load(f)
    # YAML 1.1 reads the key `on` as true.
    triggers = doc.get("on", doc.get(True))
    check(triggers is not None and "pull_request" in triggers, "the workflow runs on pull requests")
    jobs = doc.get("jobs") or {}
    check(len(jobs) == 1, "one job")
    job = next(iter(jobs.values()))
    steps = job.get("steps") or []
    check(all(isinstance(s, dict) and ("run" in s or "uses" in s) for s in steps),
          "every step runs a script or uses an action")

    commands = []  # (step name, working directory, argv)
    uploads, reads = [], []
    for step in steps:
        if "uses" in step and step["uses"].startswith("actions/upload-artifact"):
            uploads += [p for p in step.get("with", {}).get("path", "").split("\n") if p.strip()]
            check(step.get("if") == "always()", "artifacts are kept even when a step fails")
        for line in logical_lines(step.get("run", "")):
            argv = spanbench_argv(line)
            if argv:
                commands.append((step.get("name", "?"), step.get("working-directory", "."), argv))
            elif line.startswith("cat "):
                reads.append((step.get("working-directory", "."), shlex.split(line)[1]))
    subs = [argv[1] for _, _, argv in commands]
    print("spanbench commands in the recipe:")
    for name, wd, argv in commands:
        print(f"  [{name}] ({wd}) {' '.join(argv)}")
    regress = [a for _, _, a in commands if a[1] == "regress"]
    check(regress and "--junit" in regress[0], "regress --junit")
    runs = [(wd, a) for _, wd, a in commands if a[1] == "run" and "--repeat" in a]
    check(len(runs) == 2, "run --repeat twice: the base and the change")
    check(len({os.path.normpath(os.path.join(wd, option_values(a, "--out")[0])) for wd, a in runs
               if option_values(a, "--out")}) == 2,
          "the base and the change into different folders")
    check(any(wd != "." for wd, _ in runs), "the base measured from its own checkout")
    compares = [a for _, _, a in commands if a[1] == "compare"]
    check(compares and "--fail-on-change" in compares[0], "compare --fail-on-change")
    check("report" in subs, "an HTML report")
    check(any(p.strip().rstrip("/") == "results" for p in uploads), "results/ uploaded")

    # Run them, in order, in a fresh folder.
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    started = time.monotonic()
    for name, wd, argv in commands:
        cwd = os.path.normpath(os.path.join(work, wd))
        os.makedirs(cwd, exist_ok=True)
        cmd = rewrite(argv, args.spanbench, args.clients, work)
        t0 = time.monotonic()
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=240)
        print(f"== [{name}] exit {p.returncode} in {time.monotonic() - t0:.1f} s: "
              f"{' '.join(shlex.quote(c) for c in cmd)}")
        print(p.stdout[-3000:])
        check(p.returncode in ALLOWED_EXIT.get(argv[1], {0}),
              f"[{name}] {' '.join(argv[:2])} exited {p.returncode}")
        # Every file the command was told to write is there.
        for opt in ("--junit", "--json", "--export-markdown", "--export-json", "--export-csv",
                    "-o", "--out"):
            for v in option_values(argv, opt):
                check(os.path.exists(os.path.join(cwd, v)), f"[{name}] wrote {opt} {v}")
    print(f"timing: the recipe's spanbench commands took {time.monotonic() - started:.1f} s")

    for p in uploads:
        path = os.path.join(work, p.strip())
        check(os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)),
              f"the uploaded path {p.strip()} exists and is not empty")
    for wd, path in reads:
        if "$" not in path:
            check(os.path.exists(os.path.join(work, wd, path)), f"the job summary's {path} exists")
    compare_json = [option_values(a, "--json") for a in compares]
    if compare_json and compare_json[0]:
        with open(os.path.join(work, compare_json[0][0])) as f:
            check(json.load(f).get("verdict") in ("no_change", "noisy"),
                  "two builds of the same code: no significant change")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("the CI recipe is valid and every spanbench command in it works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
