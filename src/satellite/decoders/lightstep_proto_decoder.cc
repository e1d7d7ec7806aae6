// LightStep lightstep.collector.ReportRequest protobuf (POST /api/v2/reports).
//
// ReportRequest{spans = 3} -> Span{span_context = 1, start_timestamp = 4
// (google.protobuf.Timestamp{seconds = 1, nanos = 2}), duration_micros = 5,
// tags = 6, logs = 7} -> SpanContext{span_id = 2 (uint64)}. Everything else
// is skipped.

#include <climits>

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/proto_walk.h"

namespace spanbench::satellite {
namespace {

using namespace proto_walk;  // NOLINT(google-build-using-namespace)

constexpr std::string_view kWhat = "LightStep ReportRequest";

// SpanContext: keeps the last span_id seen (proto3 merge semantics).
bool walk_span_context(CodedInputStream& in, uint64_t& span_id) {
  CodedInputStream::Limit limit;
  if (!enter_message(in, limit)) return false;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == ((2u << 3) | kVarint)) {
      if (!in.ReadVarint64(&span_id)) return false;
    } else if (!skip_field(in, tag)) {
      return false;
    }
  }
  return leave_message(in, limit);
}

// google.protobuf.Timestamp as nanoseconds since the epoch (proto3 merge
// semantics: the last value of each field counts).
bool walk_timestamp(CodedInputStream& in, int64_t& seconds, int64_t& nanos) {
  CodedInputStream::Limit limit;
  if (!enter_message(in, limit)) return false;
  while (uint32_t tag = in.ReadTag()) {
    uint64_t value;
    if (tag == ((1u << 3) | kVarint)) {
      if (!in.ReadVarint64(&value)) return false;
      seconds = static_cast<int64_t>(value);
    } else if (tag == ((2u << 3) | kVarint)) {
      if (!in.ReadVarint64(&value)) return false;
      nanos = static_cast<int32_t>(value);
    } else if (!skip_field(in, tag)) {
      return false;
    }
  }
  return leave_message(in, limit);
}

int64_t end_time(bool has_start, int64_t seconds, int64_t nanos, uint64_t duration_micros) {
  if (!has_start || duration_micros > uint64_t{INT64_MAX / 1000}) return DecodedReport::kNoEndTime;
  int64_t start;
  if (__builtin_mul_overflow(seconds, int64_t{1'000'000'000}, &start) ||
      __builtin_add_overflow(start, nanos, &start)) {
    return DecodedReport::kNoEndTime;
  }
  return detail::end_time_nanos(start, static_cast<int64_t>(duration_micros) * 1000, 1);
}

bool walk_span(CodedInputStream& in, DecodedReport& out) {
  CodedInputStream::Limit limit;
  if (!enter_message(in, limit)) return false;
  uint64_t span_id = 0;
  bool has_start = false;
  int64_t seconds = 0;
  int64_t nanos = 0;
  uint64_t duration_micros = 0;
  while (uint32_t tag = in.ReadTag()) {
    switch (tag) {
      case (1u << 3) | kLengthDelimited:
        if (!walk_span_context(in, span_id)) return false;
        break;
      case (4u << 3) | kLengthDelimited:
        if (!walk_timestamp(in, seconds, nanos)) return false;
        has_start = true;
        break;
      case (5u << 3) | kVarint:
        if (!in.ReadVarint64(&duration_micros)) return false;
        break;
      case (6u << 3) | kLengthDelimited:
        ++out.tag_count;
        if (!skip_length_delimited(in)) return false;
        break;
      case (7u << 3) | kLengthDelimited:
        ++out.log_count;
        if (!skip_length_delimited(in)) return false;
        break;
      default:
        if (!skip_field(in, tag)) return false;
    }
  }
  if (!leave_message(in, limit)) return false;
  out.span_ids.push_back(span_id);
  out.end_unix_nanos.push_back(end_time(has_start, seconds, nanos, duration_micros));
  return true;
}

DecodeStatus walk_report(std::string_view body, DecodedReport& out) {
  if (body.size() > static_cast<size_t>(INT_MAX)) {
    return DecodeStatus::failure("LightStep report larger than 2 GiB");
  }
  CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()), static_cast<int>(body.size()));
  const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(body.size()));
  while (uint32_t tag = in.ReadTag()) {
    bool ok;
    if (tag == ((3u << 3) | kLengthDelimited)) {
      ok = walk_span(in, out);
    } else if (field_number(tag) == 3) {
      return DecodeStatus::failure(
          "not a valid LightStep ReportRequest protobuf: field 3 (spans) "
          "has wire type " +
          std::to_string(wire_type(tag)));
    } else {
      ok = skip_field(in, tag);
    }
    if (!ok) return DecodeStatus::failure(malformed(kWhat, body, in));
  }
  if (!leave_message(in, limit)) return DecodeStatus::failure(malformed(kWhat, body, in));
  return DecodeStatus::success();
}

}  // namespace

DecodeStatus decode_lightstep_proto(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] { return walk_report(body, out); });
}

}  // namespace spanbench::satellite
