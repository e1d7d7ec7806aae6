// OTLP ExportTraceServiceRequest protobuf (POST /v1/traces, and the body of
// the gRPC TraceService/Export call).
//
// Request{resource_spans = 1} -> ResourceSpans{scope_spans = 2, or the
// deprecated instrumentation_library_spans = 1000} -> ScopeSpans{spans = 2}
// -> Span{span_id = 2 (8 bytes), end_time_unix_nano = 8 (fixed64),
// attributes = 9, events = 11}.

#include <climits>

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/proto_walk.h"

namespace spanbench::satellite {
namespace {

using namespace proto_walk;  // NOLINT(google-build-using-namespace)

constexpr std::string_view kWhat = "OTLP ExportTraceServiceRequest";

// A reason more specific than "malformed", set by the walkers below.
struct WalkError {
  std::string reason;
};

constexpr uint32_t tag_of(uint32_t field, WireType type) { return (field << 3) | type; }

bool read_span_id(CodedInputStream& in, uint64_t& span_id, WalkError& error) {
  uint64_t length;
  if (!in.ReadVarint64(&length)) return false;
  if (length != 8) {
    if (length <= static_cast<uint64_t>(in.BytesUntilLimit())) {
      error.reason = "OTLP span_id must be 8 bytes, got " + std::to_string(length);
    }
    return false;
  }
  unsigned char bytes[8];
  if (!in.ReadRaw(bytes, 8)) return false;
  span_id = detail::load_be64(bytes);
  return true;
}

bool walk_span(CodedInputStream& in, DecodedReport& out, WalkError& error) {
  CodedInputStream::Limit limit;
  if (!enter_message(in, limit)) return false;
  uint64_t span_id = 0;
  bool has_span_id = false;
  int64_t end = DecodedReport::kNoEndTime;
  while (uint32_t tag = in.ReadTag()) {
    switch (tag) {
      case tag_of(2, kLengthDelimited):
        if (!read_span_id(in, span_id, error)) return false;
        has_span_id = true;
        break;
      case tag_of(8, kFixed64): {
        uint64_t end_ns;
        if (!in.ReadLittleEndian64(&end_ns)) return false;
        // 0 is proto3's "unset"; past INT64_MAX (year 2262) is garbage.
        end = end_ns == 0 || end_ns > uint64_t{INT64_MAX} ? DecodedReport::kNoEndTime
                                                          : static_cast<int64_t>(end_ns);
        break;
      }
      case tag_of(9, kLengthDelimited):
        ++out.tag_count;
        if (!skip_length_delimited(in)) return false;
        break;
      case tag_of(11, kLengthDelimited):
        ++out.log_count;
        if (!skip_length_delimited(in)) return false;
        break;
      default:
        if (!skip_field(in, tag)) return false;
    }
  }
  if (!leave_message(in, limit)) return false;
  if (!has_span_id) {
    error.reason = "OTLP span without span_id";
    return false;
  }
  out.span_ids.push_back(span_id);
  out.end_unix_nanos.push_back(end);
  return true;
}

bool walk_scope_spans(CodedInputStream& in, DecodedReport& out, WalkError& error) {
  CodedInputStream::Limit limit;
  if (!enter_message(in, limit)) return false;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == tag_of(2, kLengthDelimited)) {
      if (!walk_span(in, out, error)) return false;
    } else if (!skip_field(in, tag)) {
      return false;
    }
  }
  return leave_message(in, limit);
}

bool walk_resource_spans(CodedInputStream& in, DecodedReport& out, WalkError& error) {
  CodedInputStream::Limit limit;
  if (!enter_message(in, limit)) return false;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == tag_of(2, kLengthDelimited) || tag == tag_of(1000, kLengthDelimited)) {
      if (!walk_scope_spans(in, out, error)) return false;
    } else if (!skip_field(in, tag)) {
      return false;
    }
  }
  return leave_message(in, limit);
}

DecodeStatus walk_request(std::string_view body, DecodedReport& out) {
  if (body.size() > static_cast<size_t>(INT_MAX)) {
    return DecodeStatus::failure("OTLP request larger than 2 GiB");
  }
  CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()), static_cast<int>(body.size()));
  const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(body.size()));
  WalkError error;
  while (uint32_t tag = in.ReadTag()) {
    bool ok;
    if (tag == tag_of(1, kLengthDelimited)) {
      ok = walk_resource_spans(in, out, error);
    } else if (field_number(tag) == 1) {
      return DecodeStatus::failure(
          "not a valid OTLP ExportTraceServiceRequest protobuf: field 1 (resource_spans) has "
          "wire type " +
          std::to_string(wire_type(tag)));
    } else {
      ok = skip_field(in, tag);
    }
    if (!ok) {
      if (!error.reason.empty()) return DecodeStatus::failure(std::move(error.reason));
      return DecodeStatus::failure(malformed(kWhat, body, in));
    }
  }
  if (!leave_message(in, limit)) return DecodeStatus::failure(malformed(kWhat, body, in));
  return DecodeStatus::success();
}

}  // namespace

DecodeStatus decode_otlp_proto(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] { return walk_request(body, out); });
}

}  // namespace spanbench::satellite
