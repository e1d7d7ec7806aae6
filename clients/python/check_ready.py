#!/usr/bin/env python3
"""Exit 0 if the Python packages of a client.py tracer import; else print the
missing package (and how to install it) and exit 1.

    python3 clients/python/check_ready.py --tracer lightstep
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import TRACER_PACKAGES, missing_package  # noqa: E402


def main():
    parser = argparse.ArgumentParser(
        prog="check_ready.py", description="is a Python tracer of client.py installed?")
    parser.add_argument("--tracer", required=True, choices=sorted(TRACER_PACKAGES))
    args = parser.parse_args()
    package = missing_package(args.tracer)
    if package is not None:
        print(f"missing Python package {package}: pip install {package}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
