// Datadog trace agent API v0.5 (PUT/POST /v0.5/traces): msgpack
// [string table, traces]. The string table is an array of strings; traces is
// an array of arrays of spans, each span a 12-element array
// [service, name, resource, trace_id, span_id, parent_id, start, duration,
//  error, meta, metrics, type] whose strings are string-table indices.
// Only span_id (element 4), start and duration (6 and 7, nanoseconds) and
// the size of meta (element 9) are needed, so indices are not resolved
// against the table.

#include "satellite/decoders/datadog_walk.h"
#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"

namespace spanbench::satellite {
namespace {

constexpr uint32_t kSpanFields = 12;
constexpr int kSpanIdField = 4;
constexpr int kStartField = 6;
constexpr int kDurationField = 7;
constexpr int kMetaField = 9;

using datadog_walk::Field;
using msgpack_walk::Scalar;

class V05Visitor : public datadog_walk::SpanVisitor<V05Visitor> {
 public:
  explicit V05Visitor(DecodedReport& out) : SpanVisitor(out) {}

  bool start_array_item() {
    if (ignore_depth_ > 0) return true;
    if (level_ == Level::kPayload) ++payload_index_;
    if (level_ == Level::kSpan) {
      ++field_index_;
      field_ = field_index_ == kSpanIdField     ? Field::kSpanId
               : field_index_ == kStartField    ? Field::kStart
               : field_index_ == kDurationField ? Field::kDuration
               : field_index_ == kMetaField     ? Field::kMeta
                                                : Field::kOther;
    }
    return true;
  }

  bool start_array(uint32_t num_elements) {
    if (skipped_start()) return true;
    switch (level_) {
      case Level::kRoot:
        if (num_elements != 2) {
          return fail("payload has " + std::to_string(num_elements) +
                      " elements, expected [string table, traces]");
        }
        level_ = Level::kPayload;
        return true;
      case Level::kPayload:
        level_ = payload_index_ == 0 ? Level::kStrings : Level::kTraces;
        return true;
      case Level::kStrings:
        return fail("string table entry is not a string");
      case Level::kTraces:
        level_ = Level::kSpans;
        return true;
      case Level::kSpans:
        if (num_elements != kSpanFields) {
          return fail("span has " + std::to_string(num_elements) + " fields, expected 12");
        }
        level_ = Level::kSpan;
        field_index_ = -1;
        start_span();
        return true;
      case Level::kSpan:
        return field_array();
    }
    return false;
  }
  bool end_array() {
    if (skipped_end()) return true;
    switch (level_) {
      case Level::kSpan:
        end_span();
        level_ = Level::kSpans;
        break;
      case Level::kSpans:
        level_ = Level::kTraces;
        break;
      case Level::kStrings:
      case Level::kTraces:
        level_ = Level::kPayload;
        break;
      case Level::kPayload:
      case Level::kRoot:
        level_ = Level::kRoot;
        break;
    }
    return true;
  }

  // Every map is a span's field (anywhere else it is an error), so maps are
  // always skipped.
  bool start_map(uint32_t num_kv_pairs) {
    if (skipped_start()) return true;
    if (level_ != Level::kSpan) return scalar(Scalar::kOther);
    return field_map(num_kv_pairs);
  }
  bool end_map() {
    --ignore_depth_;
    return true;
  }

  // For ScalarVisitor.
  bool integer(uint64_t v) {
    if (ignore_depth_ == 0 && level_ == Level::kSpan) return field_integer(v);
    return scalar(Scalar::kOther);
  }
  bool scalar(Scalar value) {
    if (ignore_depth_ > 0) return true;
    switch (level_) {
      case Level::kRoot:
        return fail("top level is not an array [string table, traces]");
      case Level::kPayload:
        return fail(payload_index_ == 0 ? "string table is not an array"
                                        : "traces is not an array");
      case Level::kStrings:
        return value == Scalar::kString || fail("string table entry is not a string");
      case Level::kTraces:
        return fail("trace is not an array of spans");
      case Level::kSpans:
        return fail("span is not a 12-element array");
      case Level::kSpan:
        return field_scalar(value);
    }
    return false;
  }

 private:
  enum class Level { kRoot, kPayload, kStrings, kTraces, kSpans, kSpan };

  Level level_ = Level::kRoot;
  int payload_index_ = -1;
  int field_index_ = -1;
};

}  // namespace

DecodeStatus decode_datadog_v05(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] {
    V05Visitor visitor(out);
    return msgpack_walk::run(body, visitor, "Datadog v0.5 traces");
  });
}

}  // namespace spanbench::satellite
