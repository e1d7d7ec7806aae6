#include "core/result.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace spanbench {
namespace {

TEST(ResultJson, ExportLatencyIsNullWhenNotMeasured) {
  Result r;
  r.client = "cpp-mock";
  nlohmann::json j = to_json(r);
  ASSERT_TRUE(j.contains("export_latency_p50_seconds"));
  EXPECT_TRUE(j["export_latency_p50_seconds"].is_null());
  EXPECT_TRUE(j["export_latency_p99_seconds"].is_null());
  EXPECT_EQ(j["export_latency_spans"].get<int64_t>(), 0);
  Result back = result_from_json(j);
  EXPECT_FALSE(back.export_latency_p50_seconds.has_value());
  EXPECT_FALSE(back.export_latency_p99_seconds.has_value());
  EXPECT_EQ(back.export_latency_spans, 0);
}

TEST(ResultJson, ExportLatencyRoundTrips) {
  Result r;
  r.export_latency_p50_seconds = 0.25;
  r.export_latency_p99_seconds = 1.5;
  r.export_latency_spans = 1234;
  nlohmann::json j = to_json(r);
  EXPECT_DOUBLE_EQ(j["export_latency_p50_seconds"].get<double>(), 0.25);
  Result back = result_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.export_latency_p50_seconds.has_value());
  EXPECT_DOUBLE_EQ(*back.export_latency_p50_seconds, 0.25);
  ASSERT_TRUE(back.export_latency_p99_seconds.has_value());
  EXPECT_DOUBLE_EQ(*back.export_latency_p99_seconds, 1.5);
  EXPECT_EQ(back.export_latency_spans, 1234);
}

TEST(ResultJson, ResultsWrittenBeforeExportLatencyReadAsNotMeasured) {
  nlohmann::json old = {{"client", "cpp-mock"}, {"spans_received", 10}};
  Result back = result_from_json(old);
  EXPECT_FALSE(back.export_latency_p50_seconds.has_value());
  EXPECT_EQ(back.export_latency_spans, 0);
}

}  // namespace
}  // namespace spanbench
