#pragma once

// What the Datadog trace API decoders (v0.4 and v0.5) share: of a span they
// read only span_id (an integer), meta (a map of tags, or nil), and start and
// duration (integer nanoseconds; anything else there only means the span has
// no end time); every other field may hold anything. The versions differ in how a span is laid
// out (a map by key in v0.4, a 12-element array by index in v0.5), so each
// visitor finds the field and this base judges its value.

#include <cstdint>

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/msgpack_walk.h"

namespace spanbench::satellite::datadog_walk {

using msgpack_walk::Scalar;

// The span fields the decoders read.
enum class Field { kOther, kSpanId, kMeta, kStart, kDuration };

template <typename Derived>
class SpanVisitor : public msgpack_walk::ScalarVisitor<Derived> {
 public:
  explicit SpanVisitor(DecodedReport& out) : out_(out) {}

 protected:
  void start_span() {
    field_ = Field::kOther;
    span_id_ = 0;
    has_span_id_ = false;
    start_ = 0;
    duration_ = 0;
    has_start_ = false;
  }
  void end_span() {
    out_.span_ids.push_back(span_id_);
    out_.end_unix_nanos.push_back(has_start_ ? detail::end_time_nanos(start_, duration_, 1)
                                             : DecodedReport::kNoEndTime);
  }

  // The value of the current field `field_` is a scalar, an integer, an
  // array or a map.
  bool field_scalar(Scalar value) {
    if (field_ == Field::kSpanId) return this->fail("span_id is not an integer");
    if (field_ == Field::kMeta && value != Scalar::kNil) return this->fail("meta is not a map");
    return true;
  }
  bool field_integer(uint64_t value) {
    switch (field_) {
      case Field::kSpanId:
        span_id_ = value;
        has_span_id_ = true;
        return true;
      case Field::kStart:
        start_ = static_cast<int64_t>(value);
        has_start_ = true;
        return true;
      case Field::kDuration:
        duration_ = static_cast<int64_t>(value);
        return true;
      default:
        return field_scalar(Scalar::kOther);
    }
  }
  bool field_array() {
    if (field_ == Field::kSpanId) return this->fail("span_id is not an integer");
    if (field_ == Field::kMeta) return this->fail("meta is not a map");
    return this->skip();
  }
  bool field_map(uint32_t num_kv_pairs) {
    if (field_ == Field::kSpanId) return this->fail("span_id is not an integer");
    if (field_ == Field::kMeta) out_.tag_count += num_kv_pairs;
    return this->skip();
  }

  DecodedReport& out_;
  Field field_ = Field::kOther;
  uint64_t span_id_ = 0;
  bool has_span_id_ = false;
  int64_t start_ = 0;
  int64_t duration_ = 0;
  bool has_start_ = false;
};

}  // namespace spanbench::satellite::datadog_walk
