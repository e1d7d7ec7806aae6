#!/usr/bin/env python3
"""Fails when a tracked file refers to something a user of this repository
does not have: notes kept outside it, the project it descends from by a
nickname instead of its name, or numbered issues of a tracker. The repository's own docs (README.md,
docs/*.md) are the reference; code comments, help text and docs point there.

    check_references.py REPO_ROOT

Prints each offending line as FILE:LINE: TEXT and exits 1, or exits 0.
The patterns are assembled from pieces so that this file does not match them.
"""
import os
import re
import subprocess
import sys

# Each entry: (pattern, what to write instead).
D, S = "DES" + "IGN", "\u00a7"
PATTERNS = [
    (re.compile(D + r"(\.md|\s*" + S + r")"), "cite docs/*.md or README.md"),
    (re.compile(S + r"\s*[0-9]"), "cite a section of docs/*.md by its title"),
    (re.compile(r"\.\./" + "sha" + "red"), "refer to files inside the repository"),
    (re.compile(r"\b[Tt]he " + "se" + r"ed\b(?!\s+corpus)"), "name what is meant (e.g. LightStep Benchmarks)"),
    (re.compile(r"\b" + "se" + r"ed[- ]shaped\b"), "describe the span shape (10 tags, 15 logs)"),
    (re.compile(r"\b[Ii]" + r"ssue\s*#?[0-9]+"), "say what the change is, not its tracker number"),
    (re.compile("Benchmarking " + "New Tracers"), "cite docs/suites.md"),
]

# Data, not prose: fuzz inputs are bytes a decoder reads.
SKIP_PREFIXES = ("tests/fuzz/corpus/", ".ci/")


def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                             capture_output=True).stdout
        return [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for base, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", "build", "node_modules", ".venv")]
            for n in names:
                files.append(os.path.relpath(os.path.join(base, n), root))
        return files


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0] + "\nusage: check_references.py REPO_ROOT",
              file=sys.stderr)
        return 2
    root = sys.argv[1]
    files = tracked_files(root)
    if not files:
        print(f"check_references: no files found under {root}", file=sys.stderr)
        return 2
    bad = 0
    for rel in files:
        if rel.startswith(SKIP_PREFIXES):
            continue
        path = os.path.join(root, rel)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue  # deleted in the working tree
        if b"\0" in data:
            continue  # binary
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for pattern, advice in PATTERNS:
                if pattern.search(line):
                    print(f"{rel}:{number}: {line.strip()}  ({advice})")
                    bad += 1
                    break
    if bad:
        print(f"check_references: {bad} line(s) refer outside the repository", file=sys.stderr)
        return 1
    print(f"check_references: {len(files)} files, no outside references")
    return 0


if __name__ == "__main__":
    sys.exit(main())
