// Datadog trace agent API v0.4 (PUT/POST /v0.4/traces): msgpack array of
// traces, each an array of span maps with `span_id` (uint64), `meta`
// (string map = tags), `start` and `duration` (int64 nanoseconds). dd-trace writes 32-bit array/map
// headers even for small counts, which msgpack-c accepts like any other header.

#include "satellite/decoders/datadog_walk.h"
#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"

namespace spanbench::satellite {
namespace {

using datadog_walk::Field;
using msgpack_walk::Scalar;

class V04Visitor : public datadog_walk::SpanVisitor<V04Visitor> {
 public:
  explicit V04Visitor(DecodedReport& out) : SpanVisitor(out) {}

  bool visit_str(const char* v, uint32_t size) {
    if (ignore_depth_ == 0 && level_ == Level::kSpan && in_key_) {
      const std::string_view key(v, size);
      field_ = key == "span_id"    ? Field::kSpanId
               : key == "meta"     ? Field::kMeta
               : key == "start"    ? Field::kStart
               : key == "duration" ? Field::kDuration
                                   : Field::kOther;
      return true;
    }
    return scalar(Scalar::kString);
  }

  // A key is read as field kOther, so only its value is judged as a field.
  bool start_map_key() {
    if (ignore_depth_ == 0 && level_ == Level::kSpan) {
      in_key_ = true;
      field_ = Field::kOther;
    }
    return true;
  }
  bool start_map_value() {
    if (ignore_depth_ == 0 && level_ == Level::kSpan) in_key_ = false;
    return true;
  }

  bool start_array(uint32_t /*num_elements*/) {
    if (skipped_start()) return true;
    switch (level_) {
      case Level::kRoot:
        level_ = Level::kTraces;
        return true;
      case Level::kTraces:
        level_ = Level::kSpans;
        return true;
      case Level::kSpans:
        return fail("span is an array, expected a map");
      case Level::kSpan:
        return field_array();
    }
    return false;
  }
  bool end_array() {
    if (skipped_end()) return true;
    level_ = level_ == Level::kSpans ? Level::kTraces : Level::kRoot;
    return true;
  }

  bool start_map(uint32_t num_kv_pairs) {
    if (skipped_start()) return true;
    switch (level_) {
      case Level::kRoot:
        return fail("top level is a map, expected an array of traces");
      case Level::kTraces:
        return fail("trace is a map, expected an array of spans");
      case Level::kSpans:
        level_ = Level::kSpan;
        start_span();
        return true;
      case Level::kSpan:
        return field_map(num_kv_pairs);
    }
    return false;
  }
  bool end_map() {
    if (skipped_end()) return true;
    // Only span maps are entered without skipping.
    if (!has_span_id_) return fail("span without span_id");
    end_span();
    level_ = Level::kSpans;
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
        return fail("top level is not an array of traces");
      case Level::kTraces:
        return fail("trace is not an array of spans");
      case Level::kSpans:
        return fail("span is not a map");
      case Level::kSpan:
        return field_scalar(value);
    }
    return false;
  }

 private:
  enum class Level { kRoot, kTraces, kSpans, kSpan };

  Level level_ = Level::kRoot;
  bool in_key_ = false;
};

}  // namespace

DecodeStatus decode_datadog_v04(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] {
    V04Visitor visitor(out);
    return msgpack_walk::run(body, visitor, "Datadog v0.4 traces");
  });
}

}  // namespace spanbench::satellite
