#!/usr/bin/env python3
"""The sweep recipes (examples/ci/sweep-github-actions.yml and
examples/kubernetes/{sweep,merge}-job.yaml) are valid YAML with the
structure docs/ci.md promises, and their commands work: each one is run
here, as written, the way its engine would run it:

  * GitHub Actions: one workspace per matrix job, `${{ matrix.shard }}`
    replaced by the job's value, the workflow's env set (SWEEP_FILE
    pointing at a tiny sweep), each step's script run with bash -e; an
    upload copies the step's path to artifacts/<name>/, a download copies
    every artifact matching its pattern to <path>/<name>/; then the merge
    job in a fresh workspace.
  * Kubernetes: one pod per completion index with JOB_COMPLETION_INDEX set
    (0-based) and the container's env, its command run as written with
    each volume's mountPath standing for a local folder (the PVC one folder
    shared by every pod, the ConfigMap a folder holding the tiny
    sweep.toml); then the merge Job's command on the same volume.

`spanbench` (build/src/spanbench in the workflow, on PATH in the image) is
a wrapper that runs the build tree's binary with the repository's registry
and this test's ports. The tiny sweep: cpp-datadog at three rates, 2
repetitions of 0.3 s. Then the merged leaderboard must have a row for every
(client, rate) of the sweep with every planned run, and the merged report,
laid out by headless Chromium in a 1280 px window, must show it without
scrolling sideways, every graph decoded (a screenshot is kept).

Usage: sweep_recipes_test.py --github FILE --kubernetes DIR --spanbench BIN
       --clients TOML --work DIR [--structure-only]
"""
import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time

try:
    import yaml
except ImportError:
    sys.exit("sweep_recipes_test: python3-yaml is missing (scripts/install-deps.sh installs it)")

CONTROL_PORT = 18176
SATELLITE_PORTS = "19252-19259"

# One client at three rates: three groups, one per shard. cpp-datadog
# reports to the satellites with end timestamps: export latency is measured.
TINY_CLIENTS = ["cpp-datadog"]
TINY_RATES = [200, 300, 400]
TINY_REPETITIONS = 2
TINY_MODES = ["typical"]
TINY_SWEEP = f"""# The recipes' test sweep: tiny, quick, the same keys as suites/sweep.toml.
clients = {json.dumps(TINY_CLIENTS)}
rates = {json.dumps(TINY_RATES)}
modes = {json.dumps(TINY_MODES)}
repetitions = {TINY_REPETITIONS}
runtime = 0.3
"""

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)
    return condition


def logical_lines(script):
    """A shell script's commands: continuation lines joined, comments dropped."""
    out, current = [], ""
    for raw in (script or "").splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip() and not current.strip().startswith("#"):
            out.append(current.strip())
        current = ""
    return out


def compact(text):
    """${{ matrix.shard }} and $((I + 1)) without their inner spaces, so
    that each stays one word when split (as the shell keeps it one word)."""
    text = re.sub(r"\$\{\{(.*?)\}\}", lambda m: "${{" + m.group(1).replace(" ", "") + "}}", text)
    return re.sub(r"\$\(\((.*?)\)\)", lambda m: "$((" + m.group(1).replace(" ", "") + "))", text)


def spanbench_commands(script):
    """The spanbench commands of a script (each cut at a shell operator),
    its expressions compacted (see compact)."""
    out = []
    for line in logical_lines(compact(script or "")):
        for part in re.split(r"&&|\|\||;", line):
            try:
                tokens = shlex.split(part)
            except ValueError:
                continue
            if tokens and os.path.basename(tokens[0]) == "spanbench":
                out.append(tokens)
    return out


def option_values(argv, name):
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == name]


def positional_after(argv, sub):
    """merge's folders: the arguments after `sub` up to the first option."""
    out = []
    for a in argv[argv.index(sub) + 1:]:
        if a.startswith("-"):
            break
        out.append(a)
    return out


def write_wrapper(path, spanbench, clients):
    """`spanbench` for the recipes: the real binary, this repository's
    registry, and this test's ports for the commands that run clients."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(f"""#!/bin/sh
case "$1" in
  sweep) exec {shlex.quote(spanbench)} "$@" --clients {shlex.quote(clients)} \\
             --control-port {CONTROL_PORT} --satellite-ports {SATELLITE_PORTS} ;;
  *) exec {shlex.quote(spanbench)} "$@" --clients {shlex.quote(clients)} ;;
esac
""")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def run_script(script, cwd, env, label):
    t0 = time.monotonic()
    p = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    print(f"== [{label}] exit {p.returncode} in {time.monotonic() - t0:.1f} s:\n{script.strip()}")
    print(p.stdout[-3000:])
    check(p.returncode == 0, f"[{label}] exited {p.returncode}")
    return p


def check_leaderboard(folder, label):
    """The merged folder's leaderboard: every group of the tiny sweep, with
    every planned run, measured on this one machine."""
    path = os.path.join(folder, "leaderboard.json")
    if not check(os.path.exists(path), f"[{label}] {path} written"):
        return
    with open(path) as f:
        board = json.load(f)
    check(board.get("format") == "spanbench-leaderboard/1", f"[{label}] leaderboard format")
    rows = {(r["client"], t["rate"]): r for t in board["tables"] for r in t["rows"]}
    expected = {(c, float(r)) for c in TINY_CLIENTS for r in TINY_RATES}
    check(set((c, float(r)) for c, r in rows) == expected,
          f"[{label}] a row per client and rate: {sorted(rows)}")
    for key, row in rows.items():
        runs = row.get("runs", {})
        check(runs.get("untraced") == TINY_REPETITIONS and
              all(runs.get(m) == TINY_REPETITIONS for m in TINY_MODES),
              f"[{label}] {key}: {TINY_REPETITIONS} runs of each kind, got {runs}")
        check(row.get("failed_runs") == 0, f"[{label}] {key}: no failed run")
        check(row.get("cpu_ns_per_span") is not None, f"[{label}] {key}: an overhead interval")
        p50, p99 = row.get("export_latency_p50_seconds"), row.get("export_latency_p99_seconds")
        check(isinstance(p50, (int, float)) and isinstance(p99, (int, float)) and 0 < p50 <= p99,
              f"[{label}] {key}: export latency p50 {p50} <= p99 {p99}")
    check(len(board.get("machines", [])) == 1, f"[{label}] one machine measured every row")
    for f in ("leaderboard.md", "leaderboard.csv"):
        check(os.path.exists(os.path.join(folder, f)), f"[{label}] {f} written")


PROBE = """<script>
window.addEventListener("load", () => {
  const p = document.createElement("pre");
  p.id = "probe";
  p.dataset.scrollWidth = String(document.documentElement.scrollWidth);
  p.dataset.innerWidth = String(window.innerWidth);
  p.textContent = document.body.innerText;
  document.body.appendChild(p);
});
</script>"""


def chromium(work, what, page):
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--hide-scrollbars", f"--user-data-dir={work}/chromium",
         "--window-size=1280,900", "--virtual-time-budget=5000", what, "file://" + page],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120)


def check_report(path, label, work, in_chromium):
    if not check(os.path.exists(path), f"[{label}] {path} written"):
        return
    with open(path) as f:
        html = f.read()
    check("<h2>Leaderboard</h2>" in html, f"[{label}] the report has the leaderboard")
    check(html.count('<table class="leaderboard">') == len(TINY_RATES),
          f"[{label}] a leaderboard table per rate")
    graphs = html.count('<img alt="CPU per span at ')
    check(graphs == len(TINY_RATES), f"[{label}] a graph per rate, got {graphs}")
    if not in_chromium:
        return
    if shutil.which("chromium") is None:
        print("chromium is not installed (scripts/install-deps.sh installs it): layout not checked")
        return
    # The page as Chromium lays it out in a 1280 px window (as the report test does).
    probe = os.path.join(work, "probe.html")
    with open(probe, "w") as f:
        f.write(html + PROBE)
    dom = chromium(work, "--dump-dom", probe).stdout
    m = re.search(r'<pre id="probe" data-scroll-width="(\d+)" data-inner-width="(\d+)">', dom)
    if not check(m is not None, f"[{label}] Chromium laid the page out"):
        return
    check(int(m.group(2)) == 1280, f"[{label}] the window is 1280 px wide")
    check(int(m.group(1)) <= 1280,
          f"[{label}] the page scrolls sideways in a 1280 px window ({m.group(1)} px)")
    text = dom[m.end():dom.find("</pre>", m.end())]
    for rate in TINY_RATES:
        check(f"{rate} spans/s" in text, f"[{label}] the {rate} spans/s table is shown")
    raw = re.search(r"\d\.0*[1-9]\d{4,}|\d[eE][+-]\d", text)
    check(raw is None, f"[{label}] no raw float on the page: {raw.group(0) if raw else ''}")
    images = len(re.findall(r"<img ", dom))
    decoded = dom.count('data-ok="1"')
    check(decoded == images and images >= len(TINY_RATES),
          f"[{label}] every image decoded ({decoded} of {images})")
    shot = os.path.join(work, "report.png")
    chromium(work, "--screenshot=" + shot, path)
    check(os.path.exists(shot) and open(shot, "rb").read(4)[1:4] == b"PNG",
          f"[{label}] a screenshot of the report ({shot})")


# ---- GitHub Actions ------------------------------------------------------

def expand(text, values):
    """${{ expr }} replaced as Actions does, for the expressions given."""
    def sub(m):
        expr = m.group(1).strip()
        if expr not in values:
            failures.append(f"unknown expression ${{{{ {expr} }}}}")
            return m.group(0)
        return str(values[expr])
    return re.sub(r"\$\{\{(.*?)\}\}", sub, text)


def is_setup_step(step):
    run = step.get("run", "")
    return "apt-get" in run or "scripts/build.sh" in run


def github_structure(doc):
    """Checks the workflow's shape; returns (shard job name, job, merge name, job)."""
    triggers = doc.get("on", doc.get(True)) or {}
    check("workflow_dispatch" in triggers, "the sweep workflow can be started by hand")
    jobs = doc.get("jobs") or {}
    shard_jobs = [(n, j) for n, j in jobs.items()
                  if ((j.get("strategy") or {}).get("matrix") or {}).get("shard")]
    if not check(len(shard_jobs) == 1, "one job with a shard matrix"):
        return None
    shard_name, shard_job = shard_jobs[0]
    shards = shard_job["strategy"]["matrix"]["shard"]
    check(shards == list(range(1, len(shards) + 1)) and len(shards) >= 2,
          f"the matrix counts shards 1..N: {shards}")
    check(shard_job["strategy"].get("fail-fast") is False,
          "a failed shard does not cancel the others")
    env = doc.get("env") or {}
    check(str(env.get("SHARDS")) == str(len(shards)), "SHARDS equals the matrix length")
    steps = shard_job.get("steps") or []
    sweeps = [a for s in steps for a in spanbench_commands(s.get("run", "")) if a[1] == "sweep"]
    if check(len(sweeps) == 1, "one spanbench sweep per shard job"):
        a = sweeps[0]
        check(option_values(a, "--shard") == ["${{matrix.shard}}/$SHARDS"],
              "--shard ${{ matrix.shard }}/$SHARDS")
        check("${{matrix.shard}}" in (option_values(a, "--out") or [""])[0],
              "each shard into its own folder")
        check(option_values(a, "--sweep") == ["$SWEEP_FILE"], "the sweep file from the env")
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    if check(len(uploads) == 1, "the shard job uploads its folder"):
        w = uploads[0].get("with") or {}
        check("${{ matrix.shard }}" in w.get("name", ""), "one artifact per shard")
        check(sweeps and compact(w.get("path", "")).rstrip("/") ==
              option_values(sweeps[0], "--out")[0].rstrip("/"),
              "the artifact is the shard's --out folder")
        check(uploads[0].get("if") == "always()", "a shard's runs are kept even when it fails")

    merges = [(n, j) for n, j in jobs.items() if n != shard_name]
    if not check(len(merges) == 1, "one merge job"):
        return None
    merge_name, merge_job = merges[0]
    needs = merge_job.get("needs")
    check(needs == shard_name or (isinstance(needs, list) and shard_name in needs),
          "the merge job needs the shard jobs")
    msteps = merge_job.get("steps") or []
    downloads = [s for s in msteps
                 if str(s.get("uses", "")).startswith("actions/download-artifact")]
    if check(len(downloads) == 1, "the merge job downloads the shards"):
        w = downloads[0].get("with") or {}
        names = [expand(uploads[0]["with"]["name"], {"matrix.shard": i}) for i in shards] \
            if uploads else []
        check(w.get("pattern") and all(fnmatch.fnmatch(n, w["pattern"]) for n in names),
              "the download pattern matches every shard's artifact")
    commands = [a for s in msteps for a in spanbench_commands(s.get("run", ""))]
    merge_cmds = [a for a in commands if a[1] == "merge"]
    if check(len(merge_cmds) == 1, "one spanbench merge"):
        folders = positional_after(merge_cmds[0], "merge")
        check(len(folders) == len(shards), f"merge names every shard: {folders}")
        out = option_values(merge_cmds[0], "-o") or option_values(merge_cmds[0], "--out")
        check(bool(out), "merge -o DIR")
        reports = [a for a in commands if a[1] == "report"]
        check(out and reports and reports[0][2] == out[0], "the report of the merged folder")
    return shard_name, shard_job, merge_name, merge_job


def copy_tree(src, dst):
    if os.path.isdir(src):
        shutil.copytree(src, dst, dirs_exist_ok=True)
    elif os.path.exists(src):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def run_github(doc, parts, args, work):
    shard_name, shard_job, merge_name, merge_job = parts
    root = os.path.join(work, "github")
    artifacts = os.path.join(root, "artifacts")
    os.makedirs(artifacts)
    sweep_file = os.path.join(root, "tiny-sweep.toml")
    with open(sweep_file, "w") as f:
        f.write(TINY_SWEEP)
    base_env = dict(os.environ)
    base_env.update({k: str(v) for k, v in (doc.get("env") or {}).items()})
    base_env["SWEEP_FILE"] = sweep_file

    def run_job(name, job, values, workspace):
        write_wrapper(os.path.join(workspace, "build/src/spanbench"), args.spanbench, args.clients)
        env = dict(base_env)
        env.update({k: str(v) for k, v in (job.get("env") or {}).items()})
        env["GITHUB_WORKSPACE"] = workspace
        env["GITHUB_STEP_SUMMARY"] = os.path.join(workspace, "step-summary.md")
        for i, step in enumerate(job.get("steps") or []):
            label = f"{name} {values} step {i + 1} {step.get('name', step.get('uses', ''))}"
            uses = str(step.get("uses", ""))
            w = {k: expand(str(v), values) for k, v in (step.get("with") or {}).items()}
            if uses.startswith("actions/upload-artifact"):
                dest = os.path.join(artifacts, w["name"])
                for p in [p.strip() for p in w.get("path", "").splitlines() if p.strip()]:
                    src = os.path.join(workspace, p)
                    if os.path.isdir(src) and len(w.get("path", "").split()) == 1:
                        copy_tree(src, dest)  # one folder: its contents are the artifact
                    else:
                        copy_tree(src, os.path.join(dest, p.rstrip("/")))
                check(os.path.isdir(dest) and os.listdir(dest), f"[{label}] uploaded {w['name']}")
            elif uses.startswith("actions/download-artifact"):
                for a in sorted(os.listdir(artifacts)):
                    if fnmatch.fnmatch(a, w.get("pattern", "*")):
                        copy_tree(os.path.join(artifacts, a),
                                  os.path.join(workspace, w.get("path", "."), a))
            elif "run" in step and not is_setup_step(step):
                run_script(expand(step["run"], values), workspace, env, label)

    started = time.monotonic()
    for shard in shard_job["strategy"]["matrix"]["shard"]:
        run_job(shard_name, shard_job, {"matrix.shard": shard},
                os.path.join(root, f"runner-{shard_name}-{shard}"))
    shards_done = time.monotonic()
    merge_ws = os.path.join(root, f"runner-{merge_name}")
    run_job(merge_name, merge_job, {}, merge_ws)
    print(f"timing: GitHub recipe: shards {shards_done - started:.1f} s, merge job "
          f"{time.monotonic() - shards_done:.1f} s")
    merge_cmd = [a for s in merge_job["steps"] for a in spanbench_commands(s.get("run", ""))
                 if a[1] == "merge"][0]
    merged = os.path.join(merge_ws, option_values(merge_cmd, "-o")[0])
    check_leaderboard(merged, "github")
    reports = [a for s in merge_job["steps"] for a in spanbench_commands(s.get("run", ""))
               if a[1] == "report"]
    check_report(os.path.join(merge_ws, option_values(reports[0], "-o")[0]), "github", root, True)
    summary = os.path.join(merge_ws, "step-summary.md")
    check(os.path.exists(summary) and "spanbench leaderboard" in open(summary).read(),
          "[github] the job summary shows the leaderboard")


# ---- Kubernetes ------------------------------------------------------------

def k8s_docs(folder):
    docs = []
    for name in sorted(os.listdir(folder)):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(folder, name)) as f:
                docs += [(name, d) for d in yaml.safe_load_all(f) if d]
    return docs


def pod_script(container):
    """The container's command as one shell script (the recipes use sh -c)."""
    argv = list(container.get("command") or []) + list(container.get("args") or [])
    check(argv[:2] == ["/bin/sh", "-c"] and len(argv) == 3, "the container runs /bin/sh -c SCRIPT")
    return argv[2] if len(argv) == 3 else ""


def kubernetes_structure(docs):
    jobs = [d for _, d in docs if d.get("kind") == "Job"]
    claims = [d for _, d in docs if d.get("kind") == "PersistentVolumeClaim"]
    indexed = [j for j in jobs if j["spec"].get("completionMode") == "Indexed"]
    if not check(len(indexed) == 1, "one Indexed Job"):
        return None
    sweep_job = indexed[0]
    spec = sweep_job["spec"]
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container.get("env") or []}
    shards = spec.get("completions")
    check(spec.get("parallelism") == shards, "parallelism = completions: every shard at once")
    check(str(env.get("SHARDS")) == str(shards), "SHARDS = completions")
    check(pod.get("restartPolicy") == "Never", "restartPolicy Never (the Job retries)")
    script = pod_script(container)
    check("JOB_COMPLETION_INDEX + 1" in script, "the shard is JOB_COMPLETION_INDEX + 1 (1-based)")
    sweeps = spanbench_commands(script)
    if check(len(sweeps) == 1 and sweeps[0][1] == "sweep", "the pod runs spanbench sweep"):
        check(option_values(sweeps[0], "--shard") == ["$((JOB_COMPLETION_INDEX+1))/$SHARDS"],
              "--shard $((JOB_COMPLETION_INDEX + 1))/$SHARDS")
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts") or []}
    pvc_mounts = [mounts[n] for n, v in volumes.items() if "persistentVolumeClaim" in v]
    check(len(pvc_mounts) == 1, "results go to a PersistentVolumeClaim")
    claim_names = {c["metadata"]["name"] for c in claims}
    check(all(v["persistentVolumeClaim"]["claimName"] in claim_names
              for v in volumes.values() if "persistentVolumeClaim" in v),
          "the claim is in the recipe")
    if sweeps and pvc_mounts:
        check(option_values(sweeps[0], "--out")[0].startswith(pvc_mounts[0] + "/"),
              "each shard writes into the volume")
    merges = [j for j in jobs if j is not sweep_job]
    if not check(len(merges) == 1, "one merge Job"):
        return None
    mpod = merges[0]["spec"]["template"]["spec"]
    mscript = pod_script(mpod["containers"][0])
    cmds = spanbench_commands(mscript)
    merge_cmds = [a for a in cmds if a[1] == "merge"]
    if check(len(merge_cmds) == 1, "the merge Job runs spanbench merge"):
        check(len(positional_after(merge_cmds[0], "merge")) == shards,
              "merge names every shard's folder")
        check(any(a[1] == "report" for a in cmds), "the merge Job makes the report")
    mclaims = [v["persistentVolumeClaim"]["claimName"] for v in mpod.get("volumes") or []
               if "persistentVolumeClaim" in v]
    check(mclaims and mclaims[0] in claim_names, "the merge Job mounts the same claim")
    return sweep_job, merges[0]


def run_kubernetes(parts, args, work):
    sweep_job, merge_job = parts
    root = os.path.join(work, "kubernetes")
    bin_dir = os.path.join(root, "image-bin")
    write_wrapper(os.path.join(bin_dir, "spanbench"), args.spanbench, args.clients)
    pvc = os.path.join(root, "volume")  # one claim: the same folder for every pod
    os.makedirs(pvc)
    config = os.path.join(root, "configmap")
    os.makedirs(config)
    with open(os.path.join(config, "sweep.toml"), "w") as f:
        f.write(TINY_SWEEP)

    def run_pod(job, index, label):
        pod = job["spec"]["template"]["spec"]
        container = pod["containers"][0]
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        script = pod_script(container)
        # Longest mount paths first, so that /a/b is not read as /a + /b.
        mounts = sorted(container.get("volumeMounts") or [], key=lambda m: -len(m["mountPath"]))
        for m in mounts:
            v = volumes[m["name"]]
            local = pvc if "persistentVolumeClaim" in v else config
            script = re.sub(re.escape(m["mountPath"]) + r"(?=/|\s|$)", local, script)
        env = dict(os.environ)
        env["PATH"] = bin_dir + os.pathsep + env["PATH"]
        env.update({e["name"]: str(e.get("value", "")) for e in container.get("env") or []})
        if index is not None:
            env["JOB_COMPLETION_INDEX"] = str(index)
        cwd = os.path.join(root, f"pod-{label}")
        os.makedirs(cwd)
        run_script(script, cwd, env, f"kubernetes {label}")

    started = time.monotonic()
    for index in range(sweep_job["spec"]["completions"]):
        run_pod(sweep_job, index, f"sweep-{index}")
    shards_done = time.monotonic()
    run_pod(merge_job, None, "merge")
    print(f"timing: Kubernetes recipe: shards {shards_done - started:.1f} s, merge "
          f"{time.monotonic() - shards_done:.1f} s")
    mscript = pod_script(merge_job["spec"]["template"]["spec"]["containers"][0])
    cmds = spanbench_commands(mscript)
    mount = merge_job["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["mountPath"]
    local = lambda p: pvc + p[len(mount):] if p.startswith(mount) else p
    merge_cmd = [a for a in cmds if a[1] == "merge"][0]
    check_leaderboard(local(option_values(merge_cmd, "-o")[0]), "kubernetes")
    report = [a for a in cmds if a[1] == "report"][0]
    check_report(local(option_values(report, "-o")[0]), "kubernetes", root, False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--github", required=True)
    ap.add_argument("--kubernetes", required=True)
    ap.add_argument("--spanbench")
    ap.add_argument("--clients")
    ap.add_argument("--work")
    ap.add_argument("--structure-only", action="store_true")
    args = ap.parse_args()

    with open(args.github) as f:
        github = yaml.safe_load(f)
    gh_parts = github_structure(github)
    k8s_parts = kubernetes_structure(k8s_docs(args.kubernetes))
    if args.structure_only or failures:
        if failures:
            print(f"{len(failures)} check(s) failed")
            return 1
        print("the sweep recipes have the promised structure")
        return 0

    helptext = subprocess.run([args.spanbench, "--help"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True).stdout
    for sub in ("sweep", "merge"):
        if not re.search(r"^\s+" + sub + r"\s", helptext, re.M):
            print(f"skipped: this spanbench has no `{sub}` command to run the recipes with")
            return 77
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run_github(github, gh_parts, args, work)
    run_kubernetes(k8s_parts, args, work)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("the sweep recipes are valid and every command in them works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
