// Datadog trace agent API v0.4 (PUT/POST /v0.4/traces): msgpack array of
// traces, each an array of span maps with `span_id` (uint64) and `meta`
// (string map = tags). dd-trace writes 32-bit array/map headers even for
// small counts, which msgpack-c accepts like any other header.

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/msgpack_walk.h"

namespace spanbench::satellite {
namespace {

class V04Visitor : public msgpack_walk::VisitorBase {
 public:
  explicit V04Visitor(DecodedReport& out) : out_(out) {}

  bool visit_nil() { return scalar(Value::kNil); }
  bool visit_boolean(bool /*v*/) { return scalar(Value::kOther); }
  bool visit_positive_integer(uint64_t v) { return integer(v); }
  bool visit_negative_integer(int64_t v) { return integer(static_cast<uint64_t>(v)); }
  bool visit_float32(float /*v*/) { return scalar(Value::kOther); }
  bool visit_float64(double /*v*/) { return scalar(Value::kOther); }
  bool visit_bin(const char* /*v*/, uint32_t /*size*/) { return scalar(Value::kOther); }
  bool visit_ext(const char* /*v*/, uint32_t /*size*/) { return scalar(Value::kOther); }
  bool visit_str(const char* v, uint32_t size) {
    if (ignore_depth_ == 0 && level_ == Level::kSpan && in_key_) {
      const std::string_view key(v, size);
      key_ = key == "span_id" ? Key::kSpanId : key == "meta" ? Key::kMeta : Key::kOther;
      return true;
    }
    return scalar(Value::kOther);
  }

  bool start_map_key() {
    if (ignore_depth_ == 0 && level_ == Level::kSpan) {
      in_key_ = true;
      key_ = Key::kOther;
    }
    return true;
  }
  bool start_map_value() {
    if (ignore_depth_ == 0 && level_ == Level::kSpan) in_key_ = false;
    return true;
  }

  bool start_array(uint32_t /*num_elements*/) {
    if (ignore_depth_ > 0) {
      ++ignore_depth_;
      return true;
    }
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
        if (!in_key_ && key_ == Key::kSpanId) return fail("span_id is not an integer");
        if (!in_key_ && key_ == Key::kMeta) return fail("meta is not a map");
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
    level_ = level_ == Level::kSpans ? Level::kTraces : Level::kRoot;
    return true;
  }

  bool start_map(uint32_t num_kv_pairs) {
    if (ignore_depth_ > 0) {
      ++ignore_depth_;
      return true;
    }
    switch (level_) {
      case Level::kRoot:
        return fail("top level is a map, expected an array of traces");
      case Level::kTraces:
        return fail("trace is a map, expected an array of spans");
      case Level::kSpans:
        level_ = Level::kSpan;
        has_span_id_ = false;
        return true;
      case Level::kSpan:
        if (!in_key_ && key_ == Key::kSpanId) return fail("span_id is not an integer");
        if (!in_key_ && key_ == Key::kMeta) out_.tag_count += num_kv_pairs;
        ++ignore_depth_;
        return true;
    }
    return false;
  }
  bool end_map() {
    if (ignore_depth_ > 0) {
      --ignore_depth_;
      return true;
    }
    // Only span maps are entered without ignoring.
    if (!has_span_id_) return fail("span without span_id");
    out_.span_ids.push_back(span_id_);
    level_ = Level::kSpans;
    return true;
  }

 private:
  enum class Level { kRoot, kTraces, kSpans, kSpan };
  enum class Key { kOther, kSpanId, kMeta };
  enum class Value { kNil, kOther };

  bool integer(uint64_t v) {
    if (ignore_depth_ == 0 && level_ == Level::kSpan && !in_key_ && key_ == Key::kSpanId) {
      span_id_ = v;
      has_span_id_ = true;
      return true;
    }
    return scalar(Value::kOther);
  }

  bool scalar(Value value) {
    if (ignore_depth_ > 0) return true;
    switch (level_) {
      case Level::kRoot:
        return fail("top level is not an array of traces");
      case Level::kTraces:
        return fail("trace is not an array of spans");
      case Level::kSpans:
        return fail("span is not a map");
      case Level::kSpan:
        if (in_key_) return true;
        if (key_ == Key::kSpanId) return fail("span_id is not an integer");
        if (key_ == Key::kMeta && value != Value::kNil) return fail("meta is not a map");
        return true;
    }
    return false;
  }

  DecodedReport& out_;
  Level level_ = Level::kRoot;
  Key key_ = Key::kOther;
  bool in_key_ = false;
  bool has_span_id_ = false;
  uint64_t span_id_ = 0;
};

}  // namespace

DecodeStatus decode_datadog_v04(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] {
    V04Visitor visitor(out);
    return msgpack_walk::run(body, visitor, "Datadog v0.4 traces");
  });
}

}  // namespace spanbench::satellite
