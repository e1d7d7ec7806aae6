#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench::satellite {

// What one report (one HTTP body, one gRPC message, one UDP datagram)
// contained. Decoders fill `span_ids` with one entry per span, in order;
// duplicates inside a report are kept (the counter decides what is a
// duplicate). Tag/log totals let checks verify span shape cheaply.
//
// `end_unix_nanos` runs beside `span_ids`: a decoder whose wire format
// carries span timestamps appends one entry per span, the span's end (start
// + duration) in nanoseconds since the Unix epoch as the tracer stamped it,
// or kNoEndTime when that span lacks one. A decoder whose format has none
// leaves it alone, so it is either as long as `span_ids` or empty.
struct DecodedReport {
  static constexpr int64_t kNoEndTime = INT64_MIN;

  std::vector<uint64_t> span_ids;
  std::vector<int64_t> end_unix_nanos;
  uint64_t tag_count = 0;  // sum over spans of tags/attributes (span-level only)
  uint64_t log_count = 0;  // sum over spans of logs/events/annotations
};

// Outcome of decoding: ok, or a one-line reason suitable for a 4xx body.
struct DecodeStatus {
  bool ok = true;
  std::string error;
  static DecodeStatus success() { return {}; }
  static DecodeStatus failure(std::string why) { return {false, std::move(why)}; }
};

// What every decoder is: the protocol table (satellite/protocol.h) holds one
// per wire protocol.
using DecodeFn = DecodeStatus (*)(std::string_view body, DecodedReport& out);

// Decoders do no I/O: bytes in (already un-gzipped and de-chunked), spans
// out, or an error. `out` is appended to, so callers can reuse its capacity.
// One function per wire protocol, each in its own file.
DecodeStatus decode_lightstep_proto(std::string_view body, DecodedReport& out);
DecodeStatus decode_lightstep_json(std::string_view body, DecodedReport& out);
DecodeStatus decode_otlp_proto(std::string_view body, DecodedReport& out);
DecodeStatus decode_otlp_json(std::string_view body, DecodedReport& out);
DecodeStatus decode_zipkin_json(std::string_view body, DecodedReport& out);
DecodeStatus decode_datadog_v04(std::string_view body, DecodedReport& out);
DecodeStatus decode_datadog_v05(std::string_view body, DecodedReport& out);
DecodeStatus decode_jaeger_thrift_binary_batch(std::string_view body, DecodedReport& out);
// Agent UDP datagram: emitBatch in compact or binary thrift (first byte tells).
DecodeStatus decode_jaeger_agent_datagram(std::string_view datagram, DecodedReport& out);

// gzip/deflate helper for Content-Encoding: gzip bodies; fails on bad data
// or when the output would exceed max_bytes. Accepts gzip (concatenated
// members too) and zlib headers. `out` is replaced, and empty on failure.
DecodeStatus gunzip(std::string_view in, std::string& out, size_t max_bytes);

}  // namespace spanbench::satellite
