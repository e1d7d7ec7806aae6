// check_client over a fake runner: the four runs the conformance test
// makes, what each step expects of its result, and a failed run that fails
// only its own step.
#include <gtest/gtest.h>

#include "fake_runner.h"
#include "suites/check.h"

namespace spanbench {
namespace {

using testing::clean_result;
using testing::FakeRunner;

CheckOptions options(const std::string& client) {
  CheckOptions o;
  o.client = client;
  o.spans_per_second = 100;
  o.runtime_seconds = 2;
  return o;
}

std::vector<std::string> names(const CheckReport& r) {
  std::vector<std::string> out;
  for (const auto& s : r.steps) out.push_back(s.name);
  return out;
}

// What a healthy client does: every traced span arrives; an untraced run
// sends nothing; NoFlush loses some, slow_fail loses all, both accounted.
Result healthy(const RunOptions& o, int) {
  Result r = clean_result(o);
  if (o.trace && o.no_flush) r.spans_received = r.spans_sent - 30;
  if (o.sink_label == "slow_fail") r.spans_received = 0;
  if (o.trace) r.dropped_spans = r.spans_sent - r.spans_received;
  r.received_tags = r.spans_received * o.num_tags;
  r.received_logs = r.spans_received * o.num_logs;
  return r;
}

TEST(CheckRun, AHealthyClientPassesEveryStepWithFourRunsOnFreshSatellites) {
  FakeRunner runner;
  runner.script = healthy;
  std::vector<std::string> announced;
  CheckReport report = check_client(runner, options("fake-otlp"),
                                    [&](const CheckStep& s) { announced.push_back(s.name); });
  EXPECT_TRUE(report.passed());
  std::vector<std::string> want = {"traced run delivers every span once",
                                   "span tags arrive",
                                   "span logs arrive",
                                   "untraced run sends nothing",
                                   "NoFlush run accounts its drops",
                                   "slow_fail satellites drop everything"};
  EXPECT_EQ(names(report), want);
  EXPECT_EQ(announced, want);
  ASSERT_EQ(runner.runs.size(), 4u);
  ASSERT_EQ(runner.satellite_starts.size(), 4u);
  std::vector<std::string> modes;
  for (const auto& s : runner.satellite_starts) modes.push_back(s.mode);
  EXPECT_EQ(modes, (std::vector<std::string>{"typical", "typical", "typical", "slow_fail"}));
  EXPECT_FALSE(runner.runs[1].trace);
  EXPECT_TRUE(runner.runs[2].no_flush);
  for (const auto& r : runner.runs) {
    EXPECT_FALSE(r.fit_rate);  // delivery is checked, not the CPU share
    EXPECT_EQ(r.spans_per_second, 100);
  }
  EXPECT_EQ(report.steps[0].detail, "200 sent, 200 received, 0 duplicates");
}

TEST(CheckRun, DatadogIsNotAskedForSpanLogs) {
  FakeRunner runner;
  runner.script = healthy;
  CheckReport report = check_client(runner, options("fake-datadog"));
  EXPECT_TRUE(report.passed());
  for (const auto& s : report.steps) EXPECT_NE(s.name, "span logs arrive");
  EXPECT_EQ(report.steps.size(), 5u);
}

TEST(CheckRun, LostDuplicatedOrShapelessSpansFailTheirSteps) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int n) {
    Result r = healthy(o, n);
    if (n == 1) {
      r.spans_received -= 1;
      r.duplicate_spans = 2;
      r.received_logs = 0;
    }
    return r;
  };
  CheckReport report = check_client(runner, options("fake-otlp"));
  EXPECT_FALSE(report.passed());
  EXPECT_FALSE(report.steps[0].passed);
  EXPECT_EQ(report.steps[0].detail, "200 sent, 199 received, 2 duplicates");
  EXPECT_TRUE(report.steps[1].passed);  // every tag of the 200 spans arrived
  EXPECT_FALSE(report.steps[2].passed);
  EXPECT_TRUE(report.steps[3].passed);
}

TEST(CheckRun, DropsThatDoNotAddUpFailTheNoFlushStep) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int n) {
    Result r = healthy(o, n);
    if (o.no_flush) r.dropped_spans = 0;  // lost spans not accounted
    return r;
  };
  CheckReport report = check_client(runner, options("fake-otlp"));
  EXPECT_FALSE(report.passed());
  EXPECT_FALSE(report.steps[4].passed);
  EXPECT_EQ(report.steps[4].detail, "200 sent, 170 received, 0 dropped");
}

TEST(CheckRun, AFailedRunFailsItsStepAndTheOthersStillRun) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int n) {
    if (n == 2) testing::fail_run(o, "client exited with status 3");
    return healthy(o, n);
  };
  CheckReport report = check_client(runner, options("fake-otlp"));
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(runner.runs.size(), 4u);
  ASSERT_EQ(report.steps.size(), 6u);
  EXPECT_EQ(report.steps[3].name, "untraced run sends nothing");
  EXPECT_FALSE(report.steps[3].passed);
  EXPECT_EQ(report.steps[3].detail, "client exited with status 3");
  EXPECT_TRUE(report.steps[5].passed);
}

TEST(CheckRun, AClientThatReportsNowhereHasNothingToCheck) {
  FakeRunner runner;
  EXPECT_THROW(check_client(runner, options("fake-noop")), UsageError);
  EXPECT_TRUE(runner.runs.empty());
}

}  // namespace
}  // namespace spanbench
