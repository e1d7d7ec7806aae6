#pragma once

// Checks every decoder test repeats: exact decode of a real payload, and
// clean failure (with `out` untouched) on every truncation.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {

// The decoder tests read payloads from the shared builders (tests/support).
using namespace spanbench::testing;  // NOLINT(google-build-using-namespace)

using DecodeFn = DecodeStatus (*)(std::string_view, DecodedReport&);

inline void expect_decodes(DecodeFn decode, std::string_view body, const std::vector<uint64_t>& ids,
                           uint64_t tags, uint64_t logs) {
  DecodedReport out;
  const DecodeStatus status = decode(body, out);
  ASSERT_TRUE(status.ok) << status.error;
  EXPECT_EQ(out.span_ids, ids);
  EXPECT_EQ(out.tag_count, tags);
  EXPECT_EQ(out.log_count, logs);
  // End times run beside the IDs, or are absent.
  EXPECT_TRUE(out.end_unix_nanos.empty() || out.end_unix_nanos.size() == out.span_ids.size())
      << out.end_unix_nanos.size() << " end times for " << out.span_ids.size() << " spans";
}

// The end times `decode` reads from `body`, which must decode.
inline std::vector<int64_t> end_times(DecodeFn decode, std::string_view body) {
  DecodedReport out;
  const DecodeStatus status = decode(body, out);
  EXPECT_TRUE(status.ok) << status.error;
  EXPECT_EQ(out.end_unix_nanos.size(), out.span_ids.size());
  return out.end_unix_nanos;
}

// A start that is not the builders' default, with a sub-second part, so
// that seconds/nanos splits and unit conversions are all exercised.
inline SpanShape timed_shape() {
  SpanShape shape{2, 1};
  shape.start_micros = 1'764'460'800'123'456;
  return shape;
}

// Every span of a report built with `shape` ends at start + duration, in
// nanoseconds, whatever units the wire format uses.
inline void expect_end_times(DecodeFn decode, std::string_view body, SpanShape shape,
                             size_t spans) {
  const std::vector<int64_t> ends = end_times(decode, body);
  ASSERT_EQ(ends.size(), spans);
  for (size_t i = 0; i < spans; ++i) {
    EXPECT_EQ(ends[i], span_end_unix_nanos(shape, i)) << "span " << i;
  }
}

inline std::string expect_fails(DecodeFn decode, std::string_view body) {
  DecodedReport out;
  out.span_ids = {42};
  out.tag_count = 7;
  out.log_count = 9;
  out.end_unix_nanos = {11};
  const DecodeStatus status = decode(body, out);
  EXPECT_FALSE(status.ok) << "decoded " << out.span_ids.size() - 1 << " spans";
  EXPECT_FALSE(status.error.empty());
  EXPECT_EQ(status.error.find('\n'), std::string::npos) << "reason must be one line";
  // A rejected report must leave earlier results alone.
  EXPECT_EQ(out.span_ids, std::vector<uint64_t>{42});
  EXPECT_EQ(out.tag_count, 7u);
  EXPECT_EQ(out.log_count, 9u);
  EXPECT_EQ(out.end_unix_nanos, std::vector<int64_t>{11});
  return status.error;
}

// Cuts `body` at every length from 0 to size-1. Formats where a prefix can
// be a complete message (protobuf) may succeed, but only with a prefix of
// the spans; all others must fail.
inline void expect_truncations_fail(DecodeFn decode, std::string_view body,
                                    const std::vector<uint64_t>& ids,
                                    bool prefix_may_decode = false) {
  size_t failures = 0;
  for (size_t cut = 0; cut < body.size(); ++cut) {
    // Copy to an exact-size heap buffer so ASan catches reads past the cut.
    const std::string prefix(body.substr(0, cut));
    std::vector<char> exact(prefix.begin(), prefix.end());
    DecodedReport out;
    const DecodeStatus status = decode(std::string_view(exact.data(), exact.size()), out);
    if (!status.ok) {
      ++failures;
      EXPECT_TRUE(out.span_ids.empty()) << "cut " << cut;
      EXPECT_TRUE(out.end_unix_nanos.empty()) << "cut " << cut;
      EXPECT_FALSE(status.error.empty()) << "cut " << cut;
      continue;
    }
    ASSERT_TRUE(prefix_may_decode) << "prefix of " << cut << "/" << body.size() << " bytes decoded";
    ASSERT_LE(out.span_ids.size(), ids.size());
    ASSERT_TRUE(std::equal(out.span_ids.begin(), out.span_ids.end(), ids.begin())) << "cut " << cut;
  }
  EXPECT_GT(failures, body.size() / 2);
}

}  // namespace spanbench::satellite::testing
