#!/usr/bin/env python3
"""spanbench Python client: the client loop of docs/protocol.md with one Python tracer.

    python3 clients/python/client.py --tracer noop|lightstep|lightstep-streaming|otel

Asks the controller (GET $SPANBENCH_CONTROL_URL) what to do, emits Repeat spans
doing Work multiplications each, sleeps off its debt in SleepInterval chunks,
flushes, posts its own timings to /result, exits. The control protocol uses
only the standard library, and so does the untraced run (Trace false), which
uses a trivial no-op span whatever the tracer.

Exit codes: 0 done, 1 failed (one line on stderr), 2 usage error,
3 the tracer's Python package is not installed (one line naming it).
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PROGRAM = "spanbench-client-python"

# Production-like settings (docs/adding_a_client.md): report about every
# 100 ms, buffer up to 20,000 spans, and bound every wait on the collector so
# that a slow or failing one cannot hold the program: one report may take
# REPORT_TIMEOUT_S, the final flush FLUSH_TIMEOUT_S. What is still buffered
# when the flush gives up is lost, and the satellites count it as dropped.
REPORT_INTERVAL_S = 0.1
MAX_BUFFERED_SPANS = 20000
REPORT_TIMEOUT_S = 1
FLUSH_TIMEOUT_S = 1
SERVICE_NAME = "spanbench-python"

DEFAULT_PORTS = [8360, 8361, 8362, 8363, 8364, 8365, 8366, 8367]

# tracer -> [(module to import, pip package that provides it)]
TRACER_PACKAGES = {
    "noop": [],
    "lightstep": [("lightstep", "lightstep")],
    "lightstep-streaming": [("lightstep_streaming", "lightstep-streaming"),
                            ("opentracing", "opentracing")],
    "otel": [
        ("opentelemetry.sdk.trace", "opentelemetry-sdk"),
        ("opentelemetry.exporter.otlp.proto.http.trace_exporter",
         "opentelemetry-exporter-otlp-proto-http"),
    ],
}


class ClientError(Exception):
    pass


class MissingPackage(Exception):
    """A tracer's package is not installed, or does not load: the message
    names it and says what to install."""


def install_hint(tracer, streaming_build=False):
    """How to install `tracer`'s packages; with `streaming_build`, that the
    published lightstep-streaming wheel cannot serve on Python 3.10+."""
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.exists(os.path.join(here, "..", "..", "scripts", "install-python-clients.sh")):
        hint = (f"run scripts/install-python-clients.sh (pip install --no-deps -r "
                f"clients/python/requirements-{tracer}.txt)")
    else:  # an installed spanbench: no checkout scripts
        hint = (f"pip install --no-deps -r {here}/requirements-{tracer}.txt (into the venv "
                f"whose python3 comes first in PATH)")
    if streaming_build:
        hint = ("the published lightstep-streaming wheel does not run on Python 3.10+; "
                "build a patched one (docs/adding_a_client.md, \"The Streaming tracer on "
                "current Python\") and install it: " + hint)
    return hint


def missing_package(tracer):
    """Why `tracer`'s packages cannot be used (one line with the fix), or None."""
    import importlib
    for module, package in TRACER_PACKAGES[tracer]:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name and module.startswith(e.name.split(".")[0]):
                build = package == "lightstep-streaming" and sys.version_info >= (3, 10)
                return f"missing Python package {package}: {install_hint(tracer, build)}"
            return f"{package} needs Python module {e.name}, which is missing: {install_hint(tracer)}"
        except Exception as e:  # installed but broken (a native library, an ABI)
            return f"{package} does not load ({type(e).__name__}: {e}): {install_hint(tracer)}"
    return None


def fail(message, code=1):
    sys.stderr.write(f"{PROGRAM}: {message}\n")
    sys.stderr.flush()
    os._exit(code)


# --- Control protocol -------------------------------------------------------

def control_url():
    # 127.0.0.1, not localhost: docs/protocol.md, "Finding the controller".
    return os.environ.get("SPANBENCH_CONTROL_URL") or "http://127.0.0.1:8024/control"


def phase_url(url, name):
    """The control URL's sibling endpoint `name` (loop_start, result)."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rsplit("/", 1)[0] + "/" + name
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def http(url, data=None):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        raise ClientError(f"{req.get_method()} {url}: HTTP {e.code}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ClientError(f"{req.get_method()} {url}: {reason}") from None


def int_field(c, name, default):
    v = c.get(name, default)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
        raise ClientError(f"control field {name} must be a non-negative number, got {v!r}")
    return int(v)


class Command:
    def __init__(self, c):
        self.trace = c.get("Trace") is True
        self.sleep = int_field(c, "Sleep", 0)
        self.sleep_interval = int_field(c, "SleepInterval", 100000000)
        self.work = int_field(c, "Work", 0)
        self.repeat = int_field(c, "Repeat", 0)
        self.no_flush = c.get("NoFlush") is True
        self.num_tags = int_field(c, "NumTags", 10)
        self.num_logs = int_field(c, "NumLogs", 15)
        host = c.get("SatelliteHost")
        self.host = host if isinstance(host, str) and host else "127.0.0.1"
        ports = c.get("SatellitePorts", DEFAULT_PORTS)
        if (not isinstance(ports, list) or not ports
                or not all(isinstance(p, int) and not isinstance(p, bool) for p in ports)):
            raise ClientError("control field SatellitePorts must be a non-empty list of ports")
        self.ports = ports


def fetch_command(url):
    text = http(url)
    try:
        c = json.loads(text)
    except ValueError as e:
        raise ClientError(f"control answer is not JSON: {e}") from None
    if not isinstance(c, dict):
        raise ClientError("control answer is not a JSON object")
    if c.get("Exit") is True:
        return None
    return Command(c)


# --- Tracers ----------------------------------------------------------------
# Each returns (start_span(name) -> span with set_tag/log_kv/finish, flush()).

class NoopSpan:
    __slots__ = ()

    def set_tag(self, key, value):
        return self

    def log_kv(self, fields):
        return self

    def finish(self):
        pass


_NOOP_SPAN = NoopSpan()


def noop_tracer(c):
    return (lambda name: _NOOP_SPAN), (lambda: None)


def lightstep_tracer(c):
    import lightstep
    tracer = lightstep.Tracer(
        component_name=SERVICE_NAME,
        access_token="spanbench",
        collector_host=c.host,
        collector_port=c.ports[0],
        collector_encryption="none",
        use_http=True,  # protobuf over HTTP: POST /api/v2/reports
        periodic_flush_seconds=REPORT_INTERVAL_S,
        max_span_records=MAX_BUFFERED_SPANS,
        timeout_seconds=REPORT_TIMEOUT_S,  # the final flush is one report
    )
    return tracer.start_span, tracer.flush


def lightstep_streaming_tracer(c):
    import lightstep_streaming
    tracer = lightstep_streaming.Tracer(
        component_name=SERVICE_NAME,
        access_token="spanbench",
        use_stream_recorder=True,
        collector_plaintext=True,
        satellite_endpoints=[{"host": c.host, "port": p} for p in c.ports],
        max_buffered_spans=MAX_BUFFERED_SPANS,
        reporting_period=int(REPORT_INTERVAL_S * 1e6),  # microseconds
        report_timeout=int(REPORT_TIMEOUT_S * 1e6),  # microseconds
    )
    return tracer.start_span, lambda: tracer.flush(timeout=FLUSH_TIMEOUT_S)


class OtelSpan:
    """The OpenTracing-style calls of the loop on an OpenTelemetry span:
    tags become attributes, logs become events named "log"."""
    __slots__ = ("span",)

    def __init__(self, span):
        self.span = span

    def set_tag(self, key, value):
        self.span.set_attribute(key, value)

    def log_kv(self, fields):
        self.span.add_event("log", fields)

    def finish(self):
        self.span.end()


def otel_tracer(c):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    # The exporter retries a 5xx or 408 answer after 1, 2, 4 ... 32 s (63 s
    # in all, not configurable in SDK 1.26) while the processor's worker
    # thread waits; `timeout` bounds each request. The final flush is
    # force_flush with a bound rather than shutdown(), which joins the worker
    # thread without one.
    exporter = OTLPSpanExporter(endpoint=f"http://{c.host}:{c.ports[0]}/v1/traces",
                                timeout=REPORT_TIMEOUT_S)
    provider.add_span_processor(BatchSpanProcessor(
        exporter,
        max_queue_size=MAX_BUFFERED_SPANS,
        schedule_delay_millis=REPORT_INTERVAL_S * 1000,
        max_export_batch_size=512,
        export_timeout_millis=FLUSH_TIMEOUT_S * 1000,
    ))
    tracer = provider.get_tracer(SERVICE_NAME)

    def flush():
        if not provider.force_flush(timeout_millis=FLUSH_TIMEOUT_S * 1000):
            raise ClientError("flush timed out")

    return (lambda name: OtelSpan(tracer.start_span(name))), flush


TRACERS = {
    "noop": noop_tracer,
    "lightstep": lightstep_tracer,
    "lightstep-streaming": lightstep_streaming_tracer,
    "otel": otel_tracer,
}


def make_tracer(name, c):
    if not c.trace:
        return noop_tracer(c)
    problem = missing_package(name)
    if problem is not None:
        raise MissingPackage(problem)
    return TRACERS[name](c)


# --- The loop ---------------------------------------------------------------

work_sink = 0.0


def work(units):
    """`units` dependent floating-point multiplications."""
    global work_sink
    x = 1.0
    for _ in range(units):
        x *= 1.000000001
    work_sink += x


def run(tracer_name):
    url = control_url()
    c = fetch_command(url)
    if c is None:
        return
    start_span, flush = make_tracer(tracer_name, c)

    # Tag and log keys are fixed strings, as in instrumented code.
    tags = [(f"tag.key{i}", f"tag.value{i}") for i in range(c.num_tags)]
    logs = [{f"log.key{i}": f"log.value{i}"} for i in range(c.num_logs)]
    units = c.work
    sleep_ns = c.sleep
    interval_ns = c.sleep_interval

    # The controller reads this process's CPU clock at /loop_start and at
    # /result: the tracer is set up and the loop begins; the loop has ended
    # (sent before the flush, which it measures from there to the exit).
    version = tracer_version(tracer_name)  # looked up before the loop, not in it
    post_optional(phase_url(url, "loop_start"), b"{}")

    debt = 0
    sent = 0
    loop_start = time.perf_counter()
    for _ in range(c.repeat):
        span = start_span("TestSpan")
        for key, value in tags:
            span.set_tag(key, value)
        for fields in logs:
            span.log_kv(fields)
        work(units)
        span.finish()
        sent += 1
        debt += sleep_ns
        if debt > interval_ns:
            debt -= interval_ns
            time.sleep(interval_ns / 1e9)
    loop_end = time.perf_counter()
    post_optional(phase_url(url, "result"), json.dumps({
        "SpansSent": sent,
        "LoopSeconds": loop_end - loop_start,
        "TracerVersion": version,
    }).encode("utf-8"))
    if c.trace and not c.no_flush:
        try:
            flush()
        except Exception:
            # A failing collector (slow_fail, down satellites) loses those
            # spans; that is what the run measures, not a client failure.
            pass


def post_optional(url, body):
    try:
        http(url, body)
    except ClientError:
        pass  # optional for the controller


def tracer_version(name):
    """The installed versions of the packages a tracer uses, for the result."""
    try:
        from importlib import metadata
    except ImportError:
        return ""
    found = []
    for dist in TRACER_DISTRIBUTIONS.get(name, ()):
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except Exception:
            pass
    return ", ".join(found)


# The distributions whose versions a result records, per tracer.
TRACER_DISTRIBUTIONS = {
    "lightstep": ("lightstep", "basictracer", "opentracing"),
    "lightstep-streaming": ("lightstep-streaming", "opentracing"),
    "otel": ("opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"),
}


def main():
    parser = argparse.ArgumentParser(
        prog="client.py", description="spanbench client program for Python tracers")
    parser.add_argument("--tracer", default="noop", choices=sorted(TRACERS),
                        help="tracer under test (default: noop)")
    args = parser.parse_args()
    try:
        run(args.tracer)
    except MissingPackage as e:
        fail(str(e), 3)
    except ClientError as e:
        fail(str(e))
    except Exception as e:  # a tracer's own failure: one line, not a traceback
        fail(f"{type(e).__name__}: {e}")
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit now: no atexit hooks (which would flush a NoFlush run's spans)
    # and no waiting for tracer threads.
    os._exit(0)


if __name__ == "__main__":
    main()
