#!/usr/bin/env python3
"""Exit 0 if a client.py tracer can run here; else print one line saying what
is missing and how to install it, and exit 1.

    .venv/bin/python clients/python/check_ready.py --tracer lightstep

Ready means: its packages import, and the tracer, made with the client's own
settings and pointed at a closed port, starts and finishes one span with tags
and logs. That also catches a build that imports but cannot run, such as the
published lightstep-streaming wheel on Python 3.10+ (its calls fail with
"PY_SSIZE_T_CLEAN macro must be defined for '#' formats"). Nothing is sent:
the check exits without flushing.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client  # noqa: E402


def main():
    parser = argparse.ArgumentParser(
        prog="check_ready.py", description="can a Python tracer of client.py run here?")
    parser.add_argument("--tracer", required=True, choices=sorted(client.TRACER_PACKAGES))
    args = parser.parse_args()
    problem = client.missing_package(args.tracer)
    if problem is None:
        command = client.Command({"Trace": True, "SatellitePorts": [9]})  # discard port
        # The tracers' threads complain on stderr that nothing listens there;
        # the one line that matters goes to stdout.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            start_span, _ = client.TRACERS[args.tracer](command)
            span = start_span("TestSpan")
            span.set_tag("tag.key0", "tag.value0")
            span.log_kv({"log.key0": "log.value0"})
            span.finish()
        except Exception as e:
            build = "PY_SSIZE_T_CLEAN" in str(e)
            problem = (f"the {args.tracer} tracer is installed but does not run "
                       f"({type(e).__name__}: {e}): {client.install_hint(args.tracer, build)}")
    if problem is not None:
        print(problem)
    sys.stdout.flush()
    os._exit(0 if problem is None else 1)  # no tracer threads, no atexit flush


if __name__ == "__main__":
    main()
