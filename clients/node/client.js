#!/usr/bin/env node
// spanbench Node.js client: the client loop of docs/protocol.md with one Node.js
// tracer, chosen by --tracer. Asks the controller what to do, emits Repeat
// spans doing Work multiplications each, sleeps off its debt in SleepInterval
// chunks (yielding to the event loop so exporters run, as a real service
// would), flushes, posts its own timings to /result, exits.
//
//   node clients/node/client.js --tracer otel-otlp-proto
//
// Exit codes: 0 done, 1 failed (one line on stderr), 2 usage error.
'use strict';

const http = require('http');

const PROGRAM = 'spanbench-client-node';

// Production-like settings (docs/protocol.md): report about every 100 ms, buffer
// 10,000-50,000 spans where the tracer has such a setting.
const REPORT_INTERVAL_MS = 100;
const MAX_BUFFERED_SPANS = 20000;
const SERVICE_NAME = 'spanbench-node';

function fail(message, code = 1) {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(code);
}

// ---------------------------------------------------------------------------
// Control protocol

// 127.0.0.1, not localhost: docs/protocol.md, "Finding the controller".
function controlUrl() {
  const url = new URL(process.env.SPANBENCH_CONTROL_URL || 'http://127.0.0.1:8024/control');
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  return url;
}

function request(url, method, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    };
    const req = http.request(url, { method, headers, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          reject(new Error(`${method} ${url.href}: HTTP ${res.statusCode} ${text.trim()}`));
        } else {
          resolve(text);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
    req.on('error', (e) => reject(new Error(`${method} ${url.href}: ${e.message}`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// POSTs body to url from a worker thread while this thread blocks, so that
// nothing else (no tracer timer or socket) runs on the main event loop.
function postBlocking(url, body) {
  const { Worker } = require('worker_threads');
  const done = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(`
    const { workerData } = require('worker_threads');
    const http = require('http');
    const done = new Int32Array(workerData.done.buffer);
    const finish = () => { Atomics.store(done, 0, 1); Atomics.notify(done, 0); };
    const req = http.request(workerData.url, {
      method: 'POST',
      timeout: 5000,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(workerData.body) },
    }, (res) => { res.resume(); res.on('end', finish); res.on('error', finish); });
    req.on('timeout', () => req.destroy());
    req.on('error', finish);
    req.end(workerData.body);`, { eval: true, workerData: { url: url.href, body, done } });
  worker.unref();
  Atomics.wait(done, 0, 0, 10000);
}

function intField(c, name, fallback) {
  const v = c[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`control field ${name} must be a non-negative number, got ${JSON.stringify(v)}`);
  }
  return Math.floor(v);
}

function parseCommand(text) {
  let c;
  try {
    c = JSON.parse(text);
  } catch (e) {
    throw new Error(`control answer is not JSON: ${e.message}`);
  }
  if (c === null || typeof c !== 'object') throw new Error('control answer is not a JSON object');
  if (c.Exit === true) return { exit: true };
  const ports = c.SatellitePorts === undefined
    ? [8360, 8361, 8362, 8363, 8364, 8365, 8366, 8367] : c.SatellitePorts;
  if (!Array.isArray(ports) || ports.length === 0 || !ports.every(Number.isInteger)) {
    throw new Error('control field SatellitePorts must be a non-empty list of ports');
  }
  return {
    exit: false,
    trace: c.Trace === true,
    sleep: intField(c, 'Sleep', 0),
    sleepInterval: intField(c, 'SleepInterval', 100000000),
    work: intField(c, 'Work', 0),
    repeat: intField(c, 'Repeat', 0),
    noFlush: c.NoFlush === true,
    numTags: intField(c, 'NumTags', 10),
    numLogs: intField(c, 'NumLogs', 15),
    host: typeof c.SatelliteHost === 'string' && c.SatelliteHost ? c.SatelliteHost : '127.0.0.1',
    ports,
  };
}

// ---------------------------------------------------------------------------
// Tracers. Each factory returns
//   { emit(name, tags, logs, workFn), flush(): Promise }
// where tags/logs are arrays of [key, value]. emit() starts a span, adds the
// tags and logs, runs workFn inside it and finishes it, using the tracer's own
// idiomatic API. The untraced variant of each family uses that family's no-op
// (non-recording) path. The satellite group counts all its ports together, so
// every tracer reports to the first port.

function openTracingEmitter(tracer) {
  return (name, tags, logs, workFn) => {
    const span = tracer.startSpan(name);
    for (let i = 0; i < tags.length; i++) span.setTag(tags[i][0], tags[i][1]);
    for (let i = 0; i < logs.length; i++) span.log(logs[i][2]);
    workFn();
    span.finish();
  };
}

function openTracingNoop() {
  const opentracing = require('opentracing');
  return { emit: openTracingEmitter(new opentracing.Tracer()), flush: async () => {} };
}

function lightstep(transport) {
  return (c) => {
    if (!c.trace) return openTracingNoop();
    const ls = require('lightstep-tracer');
    const tracer = new ls.Tracer({
      access_token: 'spanbench',
      component_name: SERVICE_NAME,
      collector_host: c.host,
      collector_port: c.ports[0],
      collector_encryption: 'none',
      transport, // 'proto': POST /api/v2/reports; 'thrift': gzip JSON to /api/v0/reports
      max_reporting_interval_millis: REPORT_INTERVAL_MS,
      delay_initial_report_millis: REPORT_INTERVAL_MS,
      max_span_records: MAX_BUFFERED_SPANS,
      disable_meta_event_reporting: true,
      verbosity: 0,
    });
    // Report errors are part of what is measured (slow_fail satellites), not
    // a reason to stop: keep them quiet.
    tracer.on('report_error', () => {});
    return {
      emit: openTracingEmitter(tracer),
      flush: () => new Promise((resolve) => tracer.flush(() => resolve())),
    };
  };
}

function otel(exporterKind) {
  return (c) => {
    const api = require('@opentelemetry/api');
    if (!c.trace) {
      // No provider registered: the API's non-recording no-op tracer.
      return otelHandle(api.trace.getTracer(SERVICE_NAME), async () => {});
    }
    const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
    const { resourceFromAttributes } = require('@opentelemetry/resources');
    const base = `http://${c.host}:${c.ports[0]}`;
    let exporter;
    switch (exporterKind) {
      case 'otlp-proto': {
        const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
        exporter = new OTLPTraceExporter({ url: `${base}/v1/traces` });
        break;
      }
      case 'otlp-json': {
        const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
        exporter = new OTLPTraceExporter({ url: `${base}/v1/traces` });
        break;
      }
      case 'otlp-grpc': {
        const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
        exporter = new OTLPTraceExporter({ url: base });
        break;
      }
      case 'zipkin': {
        const { ZipkinExporter } = require('@opentelemetry/exporter-zipkin');
        exporter = new ZipkinExporter({ url: `${base}/api/v2/spans`, serviceName: SERVICE_NAME });
        break;
      }
      default:
        throw new Error(`unknown OpenTelemetry exporter ${exporterKind}`);
    }
    const processor = new BatchSpanProcessor(exporter, {
      scheduledDelayMillis: REPORT_INTERVAL_MS,
      maxQueueSize: MAX_BUFFERED_SPANS,
      maxExportBatchSize: 512,
      exportTimeoutMillis: 30000,
    });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': SERVICE_NAME }),
      spanProcessors: [processor],
    });
    // Silence the SDK's export-error logging (slow_fail runs are expected).
    api.diag.disable();
    // shutdown() rejects when the last export fails (slow_fail, down
    // satellites): those spans are lost, which is what the run measures.
    return otelHandle(provider.getTracer(SERVICE_NAME), () => provider.shutdown().catch(() => {}));
  };
}

function otelHandle(tracer, flush) {
  return {
    emit: (name, tags, logs, workFn) => {
      const span = tracer.startSpan(name);
      for (let i = 0; i < tags.length; i++) span.setAttribute(tags[i][0], tags[i][1]);
      for (let i = 0; i < logs.length; i++) span.addEvent('log', logs[i][2]);
      workFn();
      span.end();
    },
    flush,
  };
}

function datadog(c) {
  // dd-trace reads these at require time; no telemetry, remote config or
  // agent probing traffic besides the traces themselves.
  process.env.DD_TRACE_TELEMETRY_ENABLED = 'false';
  process.env.DD_INSTRUMENTATION_TELEMETRY_ENABLED = 'false';
  process.env.DD_REMOTE_CONFIGURATION_ENABLED = 'false';
  process.env.DD_TRACE_STARTUP_LOGS = 'false';
  process.env.DD_RUNTIME_METRICS_ENABLED = 'false';
  process.env.DD_PROFILING_ENABLED = 'false';
  process.env.DD_TRACE_STATS_COMPUTATION_ENABLED = 'false';
  process.env.DD_DATA_STREAMS_ENABLED = 'false';
  const tracer = require('dd-trace');
  if (!c.trace) {
    // Not initialised, dd-trace's proxy is its own no-op tracer.
    return { emit: ddEmitter(tracer), flush: async () => {} };
  }
  tracer.init({
    hostname: c.host,
    port: c.ports[0],
    service: SERVICE_NAME,
    flushInterval: REPORT_INTERVAL_MS,
    plugins: false,
    runtimeMetrics: false,
    startupLogs: false,
    telemetry: { enabled: false },
    remoteConfig: { enabled: false },
    logInjection: false,
    sampleRate: 1,
  });
  return {
    emit: ddEmitter(tracer),
    flush: () => new Promise((resolve) => {
      const exporter = tracer._tracer && tracer._tracer._exporter;
      if (!exporter || typeof exporter.flush !== 'function') {
        throw new Error('dd-trace has no exporter flush (tracer._tracer._exporter.flush)');
      }
      exporter.flush(() => resolve());
    }),
  };
}

// Datadog spans carry no logs: the log records become tags (log.keyN).
function ddEmitter(tracer) {
  return (name, tags, logs, workFn) => {
    const span = tracer.startSpan(name);
    for (let i = 0; i < tags.length; i++) span.setTag(tags[i][0], tags[i][1]);
    for (let i = 0; i < logs.length; i++) span.setTag(logs[i][0], logs[i][1]);
    workFn();
    span.finish();
  };
}

function jaeger(transport) {
  return (c) => {
    if (!c.trace) return openTracingNoop();
    const { initTracer } = require('jaeger-client');
    const reporter = { flushIntervalMs: REPORT_INTERVAL_MS, logSpans: false };
    if (transport === 'http') {
      reporter.collectorEndpoint = `http://${c.host}:${c.ports[0]}/api/traces`;
    } else {
      // UDPSender batches up to maxPacketSize (65000 bytes by default, under
      // the 65507-byte UDP limit) and flushes when a batch is full.
      reporter.agentHost = c.host;
      reporter.agentPort = c.ports[0];
    }
    const quiet = { info() {}, error() {} };
    const tracer = initTracer(
      { serviceName: SERVICE_NAME, sampler: { type: 'const', param: 1 }, reporter },
      { logger: quiet });
    // jaeger-client's close() flushes only the current batch: a send still in
    // flight is cut off when the process exits, and the UDPSender re-adds the
    // span that overflowed a full batch only when that batch's send completes
    // (or, before its socket is bound, drops the queued datagrams on close).
    // Count the sender's flushes in flight so the flush waits for them all,
    // then closes. (RemoteReporter._sender is jaeger-client 3.x internals.)
    const sender = tracer._reporter && tracer._reporter._sender;
    if (!sender || typeof sender.flush !== 'function') {
      throw new Error('jaeger-client has no RemoteReporter sender to flush');
    }
    if (transport !== 'http') fixUdpAppend(sender);
    let inFlight = 0;
    const senderFlush = sender.flush.bind(sender);
    sender.flush = (callback) => {
      inFlight++;
      senderFlush((numSpans, err) => {
        try {
          if (callback) callback(numSpans, err);
        } finally {
          inFlight--;
        }
      });
    };
    const drained = async () => {
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    };
    return {
      emit: openTracingEmitter(tracer),
      flush: async () => {
        await drained();
        await new Promise((resolve) => tracer.close(() => resolve()));
        await drained();
      },
    };
  };
}

// jaeger-client 3.19's UDPSender.append, when a span does not fit in the
// current batch, sends the batch and adds the span only in the send's
// callback. Spans added meanwhile fill the new batch, the late ones then push
// it past maxPacketSize, and the datagram fails with EMSGSIZE: tens of spans
// dropped per run. Same logic, with the span added right after the batch is
// handed to the socket (UDPSender.flush resets the batch synchronously).
function fixUdpAppend(sender) {
  if (typeof sender._calcSpanSize !== 'function' || !sender._batch) {
    throw new Error('jaeger-client UDPSender internals changed; cannot fix its append');
  }
  const report = (callback, numSpans, err) => { if (callback) callback(numSpans, err); };
  sender.append = function append(span, callback) {
    const { err, length } = this._calcSpanSize(span);
    if (err) return report(callback, 1, `error converting span to Thrift: ${err}`);
    if (length > this._maxSpanBytes) {
      return report(callback, 1, `span size ${length} is larger than maxSpanSize ${this._maxSpanBytes}`);
    }
    let reported = false;
    if (this._totalSpanBytes + length > this._maxSpanBytes) {
      this.flush(callback);
      reported = true;
    }
    this._batch.spans.push(span);
    this._totalSpanBytes += length;
    if (this._totalSpanBytes >= this._maxSpanBytes) {
      this.flush(reported ? undefined : callback);
    } else if (!reported) {
      report(callback, 0);
    }
    return undefined;
  };
}

function zipkin(c) {
  const { Tracer, BatchRecorder, ExplicitContext, jsonEncoder, sampler } = require('zipkin');
  if (!c.trace) {
    // zipkin-js's non-recording path: a tracer that samples nothing.
    const tracer = new Tracer({
      ctxImpl: new ExplicitContext(),
      recorder: { record() {} },
      sampler: new sampler.Sampler(sampler.neverSample),
      localServiceName: SERVICE_NAME,
    });
    return { emit: zipkinEmitter(tracer), flush: async () => {} };
  }
  const { HttpLogger } = require('zipkin-transport-http');
  // HttpLogger posts its queue every httpInterval and offers no flush
  // promise; track every POST it makes so the flush can wait for them.
  const inFlight = new Set();
  const trackedFetch = (url, options) => {
    const p = fetch(url, options);
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  };
  const logger = new HttpLogger({
    endpoint: `http://${c.host}:${c.ports[0]}/api/v2/spans`,
    jsonEncoder: jsonEncoder.JSON_V2,
    httpInterval: REPORT_INTERVAL_MS,
    maxPayloadSize: 4 * 1024 * 1024,
    fetchImplementation: trackedFetch,
    log: { error() {} },
  });
  logger.on('error', () => {});
  const tracer = new Tracer({
    ctxImpl: new ExplicitContext(),
    recorder: new BatchRecorder({ logger }),
    sampler: new sampler.Sampler(sampler.alwaysSample),
    localServiceName: SERVICE_NAME,
  });
  return {
    emit: zipkinEmitter(tracer),
    flush: async () => {
      logger.processQueue(trackedFetch);
      while (inFlight.size > 0) {
        await Promise.allSettled([...inFlight]);
      }
    },
  };
}

function zipkinEmitter(tracer) {
  const { Annotation } = require('zipkin');
  return (name, tags, logs, workFn) => {
    tracer.local(name, () => {
      for (let i = 0; i < tags.length; i++) tracer.recordBinary(tags[i][0], tags[i][1]);
      for (let i = 0; i < logs.length; i++) {
        tracer.recordAnnotation(new Annotation.Message(logs[i][3]));
      }
      workFn();
    });
  };
}

const TRACERS = {
  'lightstep': lightstep('proto'),
  'lightstep-json': lightstep('thrift'),
  'otel-otlp-proto': otel('otlp-proto'),
  'otel-otlp-json': otel('otlp-json'),
  'otel-otlp-grpc': otel('otlp-grpc'),
  'otel-zipkin': otel('zipkin'),
  'datadog': datadog,
  'jaeger-udp': jaeger('udp'),
  'jaeger-http': jaeger('http'),
  'zipkin': zipkin,
};

// ---------------------------------------------------------------------------
// The loop

let workSink = 0;

// `units` dependent floating-point multiplications.
function work(units) {
  let x = 1.0;
  for (let i = 0; i < units; i++) x *= 1.000000001;
  workSink += x;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

// Sleeps ns nanoseconds. Whole milliseconds go through a timer so the event
// loop (and the tracer's export timers and sockets) runs meanwhile.
async function sleepNs(ns) {
  const ms = ns / 1e6;
  if (ms >= 1) {
    await new Promise((resolve) => setTimeout(resolve, ms));
  } else if (ns > 0) {
    Atomics.wait(sleepCell, 0, 0, ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function parseArgs(argv) {
  let tracer = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tracer' && i + 1 < argv.length) {
      tracer = argv[++i];
    } else if (a.startsWith('--tracer=')) {
      tracer = a.slice('--tracer='.length);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(`usage: node client.js --tracer NAME\ntracers: ${Object.keys(TRACERS).join(', ')}\n`);
      process.exit(0);
    } else {
      fail(`unknown argument ${a}; usage: node client.js --tracer NAME`, 2);
    }
  }
  if (!tracer) fail(`--tracer is required (one of ${Object.keys(TRACERS).join(', ')})`, 2);
  if (!TRACERS[tracer]) fail(`unknown tracer ${tracer} (one of ${Object.keys(TRACERS).join(', ')})`, 2);
  return tracer;
}

// The packages whose versions a result records, per tracer.
const TRACER_PACKAGES = {
  lightstep: ['lightstep-tracer'],
  'lightstep-json': ['lightstep-tracer'],
  'otel-otlp-proto': ['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-proto'],
  'otel-otlp-json': ['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http'],
  'otel-otlp-grpc': ['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-grpc'],
  'otel-zipkin': ['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-zipkin'],
  datadog: ['dd-trace'],
  'jaeger-udp': ['jaeger-client'],
  'jaeger-http': ['jaeger-client'],
  zipkin: ['zipkin', 'zipkin-transport-http'],
  noop: [],
};

function packageVersion(name) {
  try {
    const file = require('path').join(__dirname, 'node_modules', name, 'package.json');
    return `${name} ${JSON.parse(require('fs').readFileSync(file, 'utf8')).version}`;
  } catch (e) {
    return `${name} (version unknown)`;
  }
}

async function main() {
  const tracerName = parseArgs(process.argv.slice(2));
  const url = controlUrl();
  const c = parseCommand(await request(url, 'GET'));
  if (c.exit) return;

  const tut = TRACERS[tracerName](c);

  // Tag and log keys are fixed strings, as in instrumented code.
  // logs[i] = [key, value, fields object, "key=value" message].
  const tags = [];
  for (let i = 0; i < c.numTags; i++) tags.push([`tag.key${i}`, `tag.value${i}`]);
  const logs = [];
  for (let i = 0; i < c.numLogs; i++) {
    const k = `log.key${i}`;
    const v = `log.value${i}`;
    logs.push([k, v, { [k]: v }, `${k}=${v}`]);
  }
  const workFn = () => work(c.work);

  // Tell the controller the tracer is set up and the loop begins, so that
  // it can tell set-up from the loop in the client's CPU time.
  const phaseUrl = (name) => {
    const u = new URL(url.href);
    u.pathname = u.pathname.replace(/[^/]*$/, name);
    return u;
  };
  // Read before the loop, so that the file reads are not loop time.
  const tracerVersion = TRACER_PACKAGES[tracerName].map(packageVersion).join(', ');
  try {
    await request(phaseUrl('loop_start'), 'POST', '{}');
  } catch (e) {
    // optional for the controller
  }

  let debt = 0;
  let sent = 0;
  const loopStart = process.hrtime.bigint();
  for (let i = 0; i < c.repeat; i++) {
    tut.emit('TestSpan', tags, logs, workFn);
    sent++;
    debt += c.sleep;
    if (debt > c.sleepInterval) {
      debt -= c.sleepInterval;
      await sleepNs(c.sleepInterval);
    }
  }
  const loopEnd = process.hrtime.bigint();

  // /result marks the end of the loop for the controller: sent before the
  // flush, which the controller then measures up to the exit.
  const report = JSON.stringify({
    SpansSent: sent,
    LoopSeconds: Number(loopEnd - loopStart) / 1e9,
    TracerVersion: tracerVersion,
  });
  if (c.trace && c.noFlush) {
    // Exit without flushing: the event loop must not run again, or the
    // tracer's overdue export timers would flush after all.
    postBlocking(phaseUrl('result'), report);
  } else {
    try {
      await request(phaseUrl('result'), 'POST', report);
    } catch (e) {
      // /result is optional for the controller; a missing one is not an error.
    }
    if (c.trace) await tut.flush();
  }
  if (workSink === -1) process.stdout.write('\n'); // keep the work observable
}

process.on('uncaughtException', (e) => fail(`uncaught: ${e && e.message ? e.message : e}`));
process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && e.message ? e.message : e}`));

main().then(
  () => process.exit(0),
  (e) => fail(e && e.message ? e.message : String(e)));
