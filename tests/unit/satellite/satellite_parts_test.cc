// The satellite's pure parts: span counting and option parsing.

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "satellite/faults.h"
#include "satellite/options.h"
#include "satellite/span_counter.h"

namespace spanbench::satellite {
namespace {

TEST(SpanCounterTest, CountsDistinctIdsAndDuplicates) {
  SpanCounter counter;
  const std::vector<uint64_t> a = {1, 2, 3, 0, 0, 3};
  counter.accept(Protocol::kOtlpProto, a, 100);
  const std::vector<uint64_t> b = {3, 4, 0};
  counter.accept(Protocol::kZipkinJson, b, 50);
  const SatelliteStats s = counter.stats();
  EXPECT_EQ(s.total.spans, 5u);  // 0,1,2,3,4
  EXPECT_EQ(s.total.duplicates, 4u);
  EXPECT_EQ(s.total.reports, 2u);
  EXPECT_EQ(s.total.bytes, 150u);
  EXPECT_EQ(s.per_protocol[static_cast<size_t>(Protocol::kZipkinJson)].spans, 1u);
  counter.reset();
  EXPECT_EQ(counter.counts().spans_received, 0u);
  counter.accept(Protocol::kOtlpProto, a, 100);
  EXPECT_EQ(counter.counts().spans_received, 4u);
}

TEST(SpanCounterTest, ExactUnderConcurrencyWithOverlap) {
  SpanCounter counter;
  constexpr int kThreads = 8;
  constexpr uint64_t kPerThread = 200000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint64_t> batch;
      // Threads overlap pairwise: thread t covers [t/2 * N, t/2 * N + N).
      const uint64_t base = static_cast<uint64_t>(t / 2) * kPerThread;
      for (uint64_t i = 0; i < kPerThread; i += 500) {
        batch.clear();
        for (uint64_t j = 0; j < 500; ++j) batch.push_back((base + i + j) * 0x9E3779B97F4A7C15ULL);
        counter.accept(Protocol::kOtlpProto, batch, 1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.counts().spans_received, kThreads / 2 * kPerThread);
  EXPECT_EQ(counter.counts().duplicate_spans, kThreads / 2 * kPerThread);
}

TEST(OptionsTest, ParsesPortLists) {
  EXPECT_EQ(parse_port_list("8360-8363"), (std::vector<uint16_t>{8360, 8361, 8362, 8363}));
  EXPECT_EQ(parse_port_list("9000, 9002-9003"), (std::vector<uint16_t>{9000, 9002, 9003}));
  EXPECT_EQ(parse_port_list("1"), (std::vector<uint16_t>{1}));
  EXPECT_THROW(parse_port_list("8367-8360"), UsageError);
  EXPECT_THROW(parse_port_list("abc"), UsageError);
  EXPECT_THROW(parse_port_list("70000"), UsageError);
  EXPECT_THROW(parse_port_list("8360,8360"), UsageError);
  EXPECT_THROW(parse_port_list(""), UsageError);
}

TEST(OptionsTest, ValidateRefusesContradictions) {
  SatelliteOptions o;
  EXPECT_NO_THROW(validate(o));
  o.admin_port = o.ports[0];
  EXPECT_THROW(validate(o), UsageError);
  o = {};
  o.up_at = std::chrono::milliseconds(10);
  EXPECT_THROW(validate(o), UsageError);
  o.down_at = std::chrono::milliseconds(20);
  EXPECT_THROW(validate(o), UsageError);
  o = {};
  o.error_rate = 1.5;
  EXPECT_THROW(validate(o), UsageError);
}

TEST(FaultPlanTest, ModesSetDelayAndOutcome) {
  SatelliteOptions o;
  o.mode = Mode::kSlowSucceed;
  o.latency = std::chrono::milliseconds(2);
  const FaultPlan::Verdict v = FaultPlan(o).judge(1000);
  EXPECT_EQ(v.delay, std::chrono::microseconds(1000) + std::chrono::milliseconds(2));
  EXPECT_EQ(v.outcome, FaultPlan::Outcome::kAccept);
  o.mode = Mode::kSlowFail;
  EXPECT_EQ(FaultPlan(o).judge(1).outcome, FaultPlan::Outcome::kFailByMode);
  o.mode = Mode::kTypical;
  o.latency = {};
  EXPECT_EQ(FaultPlan(o).judge(1000).delay, std::chrono::microseconds(50));
}

TEST(BandwidthLimiterTest, BooksTimeAtTheConfiguredRate) {
  BandwidthLimiter limiter(1'000'000);
  // The first 50 ms of traffic pass; after that each byte costs 1 us.
  EXPECT_EQ(limiter.reserve(50'000).count(), 0);
  const auto wait = limiter.reserve(100'000);
  EXPECT_GT(wait, std::chrono::milliseconds(90));
  EXPECT_LT(wait, std::chrono::milliseconds(110));
  EXPECT_FALSE(BandwidthLimiter(0).limited());
}

}  // namespace
}  // namespace spanbench::satellite
