// Export latency: the bounded histogram and how SpanCounter feeds it.

#include "satellite/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <thread>
#include <type_traits>
#include <vector>

#include "satellite/decoders/decoder.h"
#include "satellite/span_counter.h"

namespace spanbench::satellite {
namespace {

constexpr double kResolution = 1.0 / LatencyHistogram::kSubBuckets;  // a bucket's width / value

// The exact quantile of `values` by the same rank rule (smallest value with
// at least q of them at or below it), non-positive values read as 0.
double exact_quantile(std::vector<int64_t> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(q * values.size() - 1e-9)));
  return static_cast<double>(std::max<int64_t>(0, values[rank - 1]));
}

TEST(LatencyHistogram, BucketsCoverEveryValueWithBoundedWidth) {
  for (size_t i = 0; i + 1 < LatencyHistogram::kBuckets; ++i) {
    const uint64_t lower = LatencyHistogram::bucket_lower(i);
    const uint64_t upper = LatencyHistogram::bucket_upper(i);
    ASSERT_LT(lower, upper) << i;
    ASSERT_EQ(LatencyHistogram::bucket_of(lower), i);
    ASSERT_EQ(LatencyHistogram::bucket_of(upper - 1), i);
    if (lower >= 1024) {
      ASSERT_LE(static_cast<double>(upper - lower) / static_cast<double>(lower), kResolution) << i;
    }
  }
  const size_t overflow = LatencyHistogram::kBuckets - 1;
  EXPECT_EQ(LatencyHistogram::bucket_of(uint64_t{1} << 40), overflow);
  EXPECT_EQ(LatencyHistogram::bucket_of(UINT64_MAX >> 1), overflow);
  EXPECT_EQ(LatencyHistogram::bucket_of(1), 0u);
  // 1 us .. 1000 s lies inside the log-linear range.
  EXPECT_LT(LatencyHistogram::bucket_of(1'000'000'000'000), overflow);
}

TEST(LatencyHistogram, MemoryIsFixed) {
  // No heap behind it: the size is the buckets, whatever is recorded.
  static_assert(std::is_trivially_destructible_v<std::atomic<uint64_t>>);
  EXPECT_LE(sizeof(LatencyHistogram), (LatencyHistogram::kBuckets + 1) * sizeof(uint64_t));
  EXPECT_LE(sizeof(LatencyHistogram), 17u * 1024);
  auto h = std::make_unique<LatencyHistogram>();
  for (int64_t v = -5; v < 3'000'000; v += 7) h->record(v * 997);
  for (int i = 0; i < 1000; ++i) h->record(INT64_MAX);
  EXPECT_EQ(h->summary().count, (3'000'005 + 6) / 7 + 1000);
}

TEST(LatencyHistogram, QuantilesAreWithinTheBucketResolution) {
  std::mt19937_64 rng(7);
  // Log-uniform from 10 us to 100 s: every decade the satellites can see.
  std::uniform_real_distribution<double> exponent(4, 11);
  std::vector<int64_t> values;
  auto h = std::make_unique<LatencyHistogram>();
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<int64_t>(std::pow(10.0, exponent(rng)));
    values.push_back(v);
    h->record(v);
  }
  const LatencySummary s = h->summary();
  EXPECT_EQ(s.count, values.size());
  EXPECT_EQ(s.nonpositive, 0u);
  for (auto [q, got] : {std::pair{0.5, s.p50_seconds}, std::pair{0.99, s.p99_seconds}}) {
    const double want = exact_quantile(values, q) / 1e9;
    EXPECT_NEAR(got, want, want * kResolution / 2 + 1e-12) << "q=" << q;
  }
}

TEST(LatencyHistogram, ExactValuesReadBackWithinHalfABucket) {
  for (int64_t v :
       {int64_t{1'500}, int64_t{250'000'000}, int64_t{4'999'000'000}, int64_t{999'000'000'000}}) {
    auto h = std::make_unique<LatencyHistogram>();
    h->record(v);
    const LatencySummary s = h->summary();
    EXPECT_NEAR(s.p50_seconds * 1e9, static_cast<double>(v), v * kResolution / 2) << v;
    EXPECT_EQ(s.p50_seconds, s.p99_seconds);
  }
}

TEST(LatencyHistogram, NonPositiveValuesCountApartAndReadAsZero) {
  auto h = std::make_unique<LatencyHistogram>();
  for (int i = 0; i < 60; ++i) h->record(-1000 * i);  // 0 and ends stamped after receipt
  for (int i = 0; i < 40; ++i) h->record(100'000'000);
  LatencySummary s = h->summary();
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.nonpositive, 60u);
  EXPECT_EQ(s.p50_seconds, 0.0);
  EXPECT_NEAR(s.p99_seconds, 0.1, 0.1 * kResolution);
  h->record(INT64_MIN);
  EXPECT_EQ(h->summary().nonpositive, 61u);
  h->reset();
  s = h->summary();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p50_seconds, 0.0);
}

TEST(LatencyHistogram, ConcurrentRecordsAreAllCounted) {
  auto h = std::make_unique<LatencyHistogram>();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 100000; ++i) h->record(1'000'000 + t * 1000 + (i % 50));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h->summary().count, 400000u);
}

TEST(SpanCounterLatency, CountsFirstSeenSpansWithEndTimesOnly) {
  SpanCounter counter;
  constexpr int64_t kReceived = 1'764'460'800'000'000'000;
  constexpr int64_t kNone = DecodedReport::kNoEndTime;
  const std::vector<uint64_t> ids = {1, 2, 3, 4};
  const std::vector<int64_t> ends = {kReceived - 250'000'000, kReceived - 250'000'000,
                                     kReceived - 250'000'000, kNone};
  counter.accept(Protocol::kOtlpProto, ids, 10, 0, 0, SpanTimes{ends, kReceived});
  // A retry of the same spans, much later: duplicates do not count.
  counter.accept(Protocol::kOtlpProto, ids, 10, 0, 0, SpanTimes{ends, kReceived + 60'000'000'000});
  // A format without end times.
  const std::vector<uint64_t> more = {5, 6};
  counter.accept(Protocol::kZipkinJson, more, 10);

  const SatelliteStats s = counter.stats();
  EXPECT_EQ(s.total.spans, 6u);
  EXPECT_EQ(s.total.latency_spans, 3u);
  EXPECT_NEAR(s.total.latency_p50_seconds, 0.25, 0.25 * kResolution);
  EXPECT_NEAR(s.total.latency_p99_seconds, 0.25, 0.25 * kResolution);
  const ProtocolStats& otlp = s.per_protocol[static_cast<size_t>(Protocol::kOtlpProto)];
  EXPECT_EQ(otlp.latency_spans, 3u);
  EXPECT_EQ(s.per_protocol[static_cast<size_t>(Protocol::kZipkinJson)].latency_spans, 0u);

  const SinkCounts c = counter.counts();
  EXPECT_EQ(c.latency_spans, 3u);
  EXPECT_NEAR(c.latency_p50_seconds, 0.25, 0.25 * kResolution);

  counter.reset();
  EXPECT_EQ(counter.counts().latency_spans, 0u);
  EXPECT_EQ(counter.stats().per_protocol[static_cast<size_t>(Protocol::kOtlpProto)].latency_spans,
            0u);
}

TEST(SpanCounterLatency, TotalMergesProtocols) {
  SpanCounter counter;
  constexpr int64_t kReceived = 1'764'460'800'000'000'000;
  std::vector<uint64_t> ids(100);
  std::vector<int64_t> ends(100);
  for (size_t i = 0; i < 100; ++i) {
    ids[i] = i + 1;
    ends[i] = kReceived - 10'000'000;  // 10 ms
  }
  counter.accept(Protocol::kDatadogV04, ids, 1, 0, 0, SpanTimes{ends, kReceived});
  for (size_t i = 0; i < 100; ++i) {
    ids[i] = 1000 + i;
    ends[i] = kReceived - 2'000'000'000;  // 2 s
  }
  counter.accept(Protocol::kJaegerAgent, ids, 1, 0, 0, SpanTimes{ends, kReceived});
  const SatelliteStats s = counter.stats();
  EXPECT_EQ(s.total.latency_spans, 200u);
  EXPECT_NEAR(s.total.latency_p50_seconds, 0.01, 0.01 * kResolution);
  EXPECT_NEAR(s.total.latency_p99_seconds, 2.0, 2.0 * kResolution);
  EXPECT_NEAR(s.per_protocol[static_cast<size_t>(Protocol::kJaegerAgent)].latency_p50_seconds, 2.0,
              2.0 * kResolution);
}

TEST(SpanCounterLatency, MismatchedEndTimesAreIgnoredNotMisread) {
  SpanCounter counter;
  const std::vector<uint64_t> ids = {1, 2, 3};
  const std::vector<int64_t> ends = {5};
  counter.accept(Protocol::kOtlpProto, ids, 10, 0, 0, SpanTimes{ends, 100});
  EXPECT_EQ(counter.counts().spans_received, 3u);
  EXPECT_EQ(counter.counts().latency_spans, 0u);
}

}  // namespace
}  // namespace spanbench::satellite
