#pragma once

// Span reports in every wire protocol the satellites serve, built with each
// protocol's own encoder (generated protobuf and thrift classes, msgpack-c,
// zlib, nlohmann JSON): for the decoder tests, the satellite tests, the fuzz
// seed corpus and the decode and ingest benchmarks.
//
// Spans have the default shape of docs/protocol.md: `tags` tags tag.keyN=tag.valueN and `logs`
// logs, each with one field log.keyN=log.valueN (Datadog spans have no logs: the tags go into
// `meta`). Each builder is named after the protocol it speaks (the decoders' names:
// decode_otlp_proto reads otlp_proto).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench::testing {

// Span i starts at start_micros + i microseconds and lasts 5 microseconds,
// each format stamping that in its own units.
constexpr int64_t kDefaultStartMicros = 1'700'000'000'000'000;

struct SpanShape {
  int tags = 10;
  int logs = 15;
  int64_t start_micros = kDefaultStartMicros;
};

// The end (start + duration) of span `index`, in nanoseconds since the
// epoch: what a decoder must read for it.
inline int64_t span_end_unix_nanos(SpanShape shape, size_t index) {
  return (shape.start_micros + static_cast<int64_t>(index) + 5) * 1000;
}

// `count` consecutive span IDs from `first` (easy to make overlap on purpose).
std::vector<uint64_t> id_range(uint64_t first, size_t count);
// `count` distinct non-zero IDs spread over the whole 64-bit range (so the
// high bit, negative as int64, is exercised), reproducible from `seed`.
std::vector<uint64_t> random_ids(size_t count, uint64_t seed = 1);

using Ids = std::span<const uint64_t>;

// LightStep collector ReportRequest (protobuf), as POSTed to /api/v2/reports.
std::string lightstep_proto(Ids ids, SpanShape shape = {});
// The JSON lightstep-tracer (npm) posts to /api/v0/reports.
std::string lightstep_json(Ids ids, SpanShape shape = {});

// OTLP ExportTraceServiceRequest (protobuf), current or pre-1.0 layout.
enum class OtlpLayout { kScopeSpans, kInstrumentationLibrarySpans };
std::string otlp_proto(Ids ids, SpanShape shape = {});
std::string otlp_proto(Ids ids, SpanShape shape, OtlpLayout layout);

enum class OtlpJsonFlavor {
  kSpec,               // OTLP/JSON: lowerCamel keys, hex ids
  kProtobufMapping,    // protobuf's MessageToJsonString: lowerCamel, base64 ids
  kProtobufSnakeCase,  // MessageToJsonString preserving proto field names
  kLegacyJs,           // older OTel JS exporters: instrumentationLibrarySpans
};
std::string otlp_json(Ids ids, SpanShape shape = {});
std::string otlp_json(Ids ids, SpanShape shape, OtlpJsonFlavor flavor);

// Zipkin v2 JSON span list, as POSTed to /api/v2/spans.
std::string zipkin_json(Ids ids, SpanShape shape = {});

// Datadog agent traces (msgpack), in traces of `spans_per_trace` spans (4
// unless given). `wide_headers`: array32/map32/str32 headers and fixed-width
// uint64 ids for every count, as dd-trace writes them; otherwise msgpack-c's
// minimal forms.
std::string datadog_v04(Ids ids, SpanShape shape = {});
std::string datadog_v04(Ids ids, SpanShape shape, bool wide_headers, size_t spans_per_trace = 4);
std::string datadog_v05(Ids ids, SpanShape shape = {});
std::string datadog_v05(Ids ids, SpanShape shape, bool wide_headers, size_t spans_per_trace = 4);

// A jaeger.thrift Batch in binary thrift, as POSTed to a collector's /api/traces.
std::string jaeger_batch_binary(Ids ids, SpanShape shape = {});
// Agent.emitBatch, the oneway message jaeger clients send over UDP (compact
// thrift unless told otherwise).
enum class ThriftProtocol { kCompact, kBinary };
std::string jaeger_emit_batch(Ids ids, SpanShape shape = {});
std::string jaeger_emit_batch(Ids ids, SpanShape shape, ThriftProtocol protocol);

// `data` compressed with zlib's deflate: in a gzip wrapper (as in
// Content-Encoding: gzip) or a zlib one.
std::string gzip(std::string_view data);
std::string zlib_compress(std::string_view data);

}  // namespace spanbench::testing
