// Decode cost per span for each satellite decoder. Every body is a 512-span
// batch of benchmark-shaped spans (10 tags, 15 one-field logs) built with the
// protocol's real encoder; the "per_span" counter (time per span) is the
// figure to read.
//
//   bench_decoders --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite {
namespace {

using namespace spanbench::testing;  // NOLINT(google-build-using-namespace)

constexpr size_t kSpansPerBatch = 512;

const std::vector<uint64_t>& batch_ids() {
  static const std::vector<uint64_t> ids = random_ids(kSpansPerBatch);
  return ids;
}

// Seconds of CPU per span (the console shows it as e.g. "85.2ns").
benchmark::Counter per_span_counter() {
  return benchmark::Counter(
      static_cast<double>(kSpansPerBatch),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

using DecodeFn = DecodeStatus (*)(std::string_view, DecodedReport&);

void run_decoder(benchmark::State& state, DecodeFn decode, const std::string& body) {
  DecodedReport out;
  out.span_ids.reserve(kSpansPerBatch);
  out.end_unix_nanos.reserve(kSpansPerBatch);
  for (auto _ : state) {
    out.span_ids.clear();
    out.end_unix_nanos.clear();
    out.tag_count = 0;
    out.log_count = 0;
    const DecodeStatus status = decode(body, out);
    if (!status.ok || out.span_ids.size() != kSpansPerBatch) {
      state.SkipWithError(status.ok ? "wrong span count" : status.error.c_str());
      break;
    }
    benchmark::DoNotOptimize(out.span_ids.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSpansPerBatch));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["per_span"] = per_span_counter();
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_LightStepProto(benchmark::State& state) {
  run_decoder(state, decode_lightstep_proto, lightstep_proto(batch_ids()));
}
void BM_LightStepJson(benchmark::State& state) {
  run_decoder(state, decode_lightstep_json, lightstep_json(batch_ids()));
}
void BM_OtlpProto(benchmark::State& state) {
  run_decoder(state, decode_otlp_proto, otlp_proto(batch_ids()));
}
void BM_OtlpJson(benchmark::State& state) {
  run_decoder(state, decode_otlp_json, otlp_json(batch_ids()));
}
void BM_ZipkinJson(benchmark::State& state) {
  run_decoder(state, decode_zipkin_json, zipkin_json(batch_ids()));
}
void BM_DatadogV04(benchmark::State& state) {
  run_decoder(state, decode_datadog_v04, datadog_v04(batch_ids(), {}, /*wide=*/true));
}
void BM_DatadogV05(benchmark::State& state) {
  run_decoder(state, decode_datadog_v05, datadog_v05(batch_ids(), {}, /*wide=*/true));
}
void BM_JaegerThriftBatch(benchmark::State& state) {
  run_decoder(state, decode_jaeger_thrift_binary_batch, jaeger_batch_binary(batch_ids()));
}
void BM_JaegerAgentCompact(benchmark::State& state) {
  run_decoder(state, decode_jaeger_agent_datagram,
              jaeger_emit_batch(batch_ids(), {}, ThriftProtocol::kCompact));
}
void BM_JaegerAgentBinary(benchmark::State& state) {
  run_decoder(state, decode_jaeger_agent_datagram,
              jaeger_emit_batch(batch_ids(), {}, ThriftProtocol::kBinary));
}

// gunzip plus decode, as the satellites do for Content-Encoding: gzip.
void BM_OtlpProtoGzip(benchmark::State& state) {
  const std::string gz = gzip(otlp_proto(batch_ids()));
  std::string body;
  DecodedReport out;
  for (auto _ : state) {
    out.span_ids.clear();
    if (!gunzip(gz, body, 64 << 20).ok || !decode_otlp_proto(body, out).ok) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(out.span_ids.data());
  }
  state.counters["per_span"] = per_span_counter();
}

BENCHMARK(BM_LightStepProto);
BENCHMARK(BM_LightStepJson);
BENCHMARK(BM_OtlpProto);
BENCHMARK(BM_OtlpProtoGzip);
BENCHMARK(BM_OtlpJson);
BENCHMARK(BM_ZipkinJson);
BENCHMARK(BM_DatadogV04);
BENCHMARK(BM_DatadogV05);
BENCHMARK(BM_JaegerThriftBatch);
BENCHMARK(BM_JaegerAgentCompact);
BENCHMARK(BM_JaegerAgentBinary);

}  // namespace
}  // namespace spanbench::satellite

BENCHMARK_MAIN();
