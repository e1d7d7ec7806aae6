// Datadog trace agent API v0.5 (PUT/POST /v0.5/traces): msgpack
// [string table, traces]. The string table is an array of strings; traces is
// an array of arrays of spans, each span a 12-element array
// [service, name, resource, trace_id, span_id, parent_id, start, duration,
//  error, meta, metrics, type] whose strings are string-table indices.
// Only span_id (element 4) and the size of meta (element 9) are needed, so
// indices are not resolved against the table.

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/msgpack_walk.h"

namespace spanbench::satellite {
namespace {

constexpr uint32_t kSpanFields = 12;
constexpr int kSpanIdField = 4;
constexpr int kMetaField = 9;

class V05Visitor : public msgpack_walk::VisitorBase {
 public:
  explicit V05Visitor(DecodedReport& out) : out_(out) {}

  bool visit_nil() { return scalar(Value::kNil); }
  bool visit_boolean(bool /*v*/) { return scalar(Value::kOther); }
  bool visit_positive_integer(uint64_t v) { return integer(v); }
  bool visit_negative_integer(int64_t v) { return integer(static_cast<uint64_t>(v)); }
  bool visit_float32(float /*v*/) { return scalar(Value::kOther); }
  bool visit_float64(double /*v*/) { return scalar(Value::kOther); }
  bool visit_bin(const char* /*v*/, uint32_t /*size*/) { return scalar(Value::kOther); }
  bool visit_ext(const char* /*v*/, uint32_t /*size*/) { return scalar(Value::kOther); }
  bool visit_str(const char* /*v*/, uint32_t /*size*/) { return scalar(Value::kString); }

  bool start_array_item() {
    if (ignore_depth_ > 0) return true;
    if (level_ == Level::kPayload) ++payload_index_;
    if (level_ == Level::kSpan) ++field_index_;
    return true;
  }

  bool start_array(uint32_t num_elements) {
    if (ignore_depth_ > 0) {
      ++ignore_depth_;
      return true;
    }
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
        span_id_ = 0;
        return true;
      case Level::kSpan:
        if (field_index_ == kSpanIdField) return fail("span_id is not an integer");
        if (field_index_ == kMetaField) return fail("meta is not a map");
        ++ignore_depth_;
        return true;
    }
    return false;
  }
  bool end_array() {
    if (ignore_depth_ > 0) {
      --ignore_depth_;
      return true;
    }
    switch (level_) {
      case Level::kSpan:
        out_.span_ids.push_back(span_id_);
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

  bool start_map(uint32_t num_kv_pairs) {
    if (ignore_depth_ > 0) {
      ++ignore_depth_;
      return true;
    }
    if (level_ != Level::kSpan) return scalar(Value::kOther);
    if (field_index_ == kSpanIdField) return fail("span_id is not an integer");
    if (field_index_ == kMetaField) out_.tag_count += num_kv_pairs;
    ++ignore_depth_;
    return true;
  }
  bool end_map() {
    --ignore_depth_;
    return true;
  }

 private:
  enum class Level { kRoot, kPayload, kStrings, kTraces, kSpans, kSpan };
  enum class Value { kNil, kString, kOther };

  bool integer(uint64_t v) {
    if (ignore_depth_ == 0 && level_ == Level::kSpan && field_index_ == kSpanIdField) {
      span_id_ = v;
      return true;
    }
    return scalar(Value::kOther);
  }

  bool scalar(Value value) {
    if (ignore_depth_ > 0) return true;
    switch (level_) {
      case Level::kRoot:
        return fail("top level is not an array [string table, traces]");
      case Level::kPayload:
        return fail(payload_index_ == 0 ? "string table is not an array"
                                        : "traces is not an array");
      case Level::kStrings:
        return value == Value::kString || fail("string table entry is not a string");
      case Level::kTraces:
        return fail("trace is not an array of spans");
      case Level::kSpans:
        return fail("span is not a 12-element array");
      case Level::kSpan:
        if (field_index_ == kSpanIdField) return fail("span_id is not an integer");
        if (field_index_ == kMetaField && value != Value::kNil) return fail("meta is not a map");
        return true;
    }
    return false;
  }

  DecodedReport& out_;
  Level level_ = Level::kRoot;
  int payload_index_ = -1;
  int field_index_ = -1;
  uint64_t span_id_ = 0;
};

}  // namespace

DecodeStatus decode_datadog_v05(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] {
    V05Visitor visitor(out);
    return msgpack_walk::run(body, visitor, "Datadog v0.5 traces");
  });
}

}  // namespace spanbench::satellite
