#pragma once

// Builds real wire payloads for decoder tests, fuzz seeds and benchmarks,
// using each protocol's own encoder (protobuf, thrift, msgpack-c, zlib,
// nlohmann JSON). Spans have the benchmark's shape: `tags` tags tag.keyN=tag.valueN
// and `logs` logs each with one field log.keyN=log.valueN.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench::satellite::testing {

struct SpanShape {
  int tags = 10;
  int logs = 15;
};

// `count` distinct non-zero ids spread over the whole 64-bit range (so the
// high bit, negative as int64, is exercised), reproducible from `seed`.
std::vector<uint64_t> make_span_ids(size_t count, uint64_t seed = 1);

std::string lightstep_proto_report(const std::vector<uint64_t>& ids, SpanShape shape = {});
// The shape lightstep-tracer (npm) posts to /api/v0/reports.
std::string lightstep_json_report(const std::vector<uint64_t>& ids, SpanShape shape = {});

enum class OtlpLayout { kScopeSpans, kInstrumentationLibrarySpans };
std::string otlp_proto_request(const std::vector<uint64_t>& ids, SpanShape shape = {},
                               OtlpLayout layout = OtlpLayout::kScopeSpans);

enum class OtlpJsonFlavor {
  kSpec,               // OTLP/JSON: lowerCamel keys, hex ids
  kProtobufMapping,    // protobuf's MessageToJsonString: lowerCamel, base64 ids
  kProtobufSnakeCase,  // MessageToJsonString preserving proto field names
  kLegacyJs,           // older OTel JS exporters: instrumentationLibrarySpans
};
std::string otlp_json_request(const std::vector<uint64_t>& ids, SpanShape shape = {},
                              OtlpJsonFlavor flavor = OtlpJsonFlavor::kSpec);

std::string zipkin_json_spans(const std::vector<uint64_t>& ids, SpanShape shape = {});

// `wide_headers`: array32/map32/str32 headers and fixed-width uint64 ids for
// every count, as dd-trace writes them; otherwise msgpack-c's minimal forms.
std::string datadog_v04_traces(const std::vector<uint64_t>& ids, SpanShape shape = {},
                               bool wide_headers = false, size_t spans_per_trace = 4);
std::string datadog_v05_traces(const std::vector<uint64_t>& ids, SpanShape shape = {},
                               bool wide_headers = false, size_t spans_per_trace = 4);

std::string jaeger_batch_binary(const std::vector<uint64_t>& ids, SpanShape shape = {});
enum class ThriftProtocol { kCompact, kBinary };
std::string jaeger_emit_batch(const std::vector<uint64_t>& ids, SpanShape shape = {},
                              ThriftProtocol protocol = ThriftProtocol::kCompact);

// gzip (or zlib when `zlib_header`) with zlib's deflate.
std::string compress(std::string_view data, bool zlib_header = false);

}  // namespace spanbench::satellite::testing
