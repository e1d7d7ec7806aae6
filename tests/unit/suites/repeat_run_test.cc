// run_repeat over a fake runner: traced and untraced runs alternate, each
// on disk as it ends, and the summary is the overhead of the two sets.
#include <gtest/gtest.h>

#include "fake_runner.h"
#include "suites/repeat.h"

namespace spanbench {
namespace {

using testing::clean_result;
using testing::FakeRunner;
using testing::fresh_dir;
using testing::read_json;

RepeatOptions options(int repetitions) {
  RepeatOptions o;
  o.run.client = "fake-otlp";
  o.run.spans_per_second = 1000;
  o.run.runtime_seconds = 10;
  o.repetitions = repetitions;
  o.out_dir = fresh_dir();
  return o;
}

// The tracer costs 2 points of a core, give or take a little per run.
Result two_points(const RunOptions& o, int n) {
  Result r = clean_result(o);
  r.cpu_usage = (o.trace ? 0.72 : 0.70) + 0.001 * (n % 3);
  r.loop_cpu_seconds = r.cpu_usage * r.loop_seconds;
  return r;
}

TEST(RepeatRun, AlternatesTracedFirstWritesEachRunAndSummarisesTheOverhead) {
  FakeRunner runner;
  runner.script = two_points;
  RepeatOptions o = options(5);
  std::vector<std::string> seen;
  OverheadAnalysis a = run_repeat(runner, o, [&](const RepeatRun& r) {
    EXPECT_TRUE(std::filesystem::exists(r.file)) << "not on disk when announced: " << r.file;
    seen.push_back((r.trace ? "t" : "u") + std::to_string(r.repetition));
  });
  EXPECT_EQ(seen,
            (std::vector<std::string>{"t1", "u1", "t2", "u2", "t3", "u3", "t4", "u4", "t5", "u5"}));
  ASSERT_EQ(runner.runs.size(), 10u);
  EXPECT_TRUE(runner.runs[0].trace);
  EXPECT_FALSE(runner.runs[1].trace);
  EXPECT_EQ(a.traced_runs, 5u);
  EXPECT_EQ(a.untraced_runs, 5u);
  EXPECT_EQ(a.status, OverheadAnalysis::Status::overhead);
  EXPECT_NEAR(a.cpu_points.estimate, 2.0, 0.2);
  EXPECT_EQ(read_json(repeat_file(o.out_dir, false, 5))["trace"], false);
  auto summary = read_json(o.out_dir / "summary.json");
  EXPECT_EQ(summary["traced_runs"], 5);
  EXPECT_EQ(summary["status"], "overhead");
}

TEST(RepeatRun, DisturbedRunsMakeTheSummaryNoisyUnlessAllowed) {
  for (bool allow : {false, true}) {
    FakeRunner runner;
    runner.script = [](const RunOptions& o, int n) {
      Result r = two_points(o, n);
      r.disturbed = n == 4;
      return r;
    };
    RepeatOptions o = options(3);
    o.allow_noise = allow;
    OverheadAnalysis a = run_repeat(runner, o);
    EXPECT_EQ(a.status,
              allow ? OverheadAnalysis::Status::overhead : OverheadAnalysis::Status::noisy);
    EXPECT_EQ(a.disturbed, (std::vector<std::string>{"untraced/run-002.json"}));
  }
}

TEST(RepeatRun, AFailedRunLeavesItsPartialResultAndTheRunsBeforeIt) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int n) {
    if (n == 3) testing::fail_run(o, "interrupted");
    return clean_result(o);
  };
  RepeatOptions o = options(4);
  EXPECT_THROW(run_repeat(runner, o), RunFailed);
  EXPECT_EQ(runner.runs.size(), 3u);
  EXPECT_FALSE(read_json(repeat_file(o.out_dir, false, 1)).contains("error"));
  EXPECT_EQ(read_json(repeat_file(o.out_dir, true, 2))["error"], "interrupted");
  EXPECT_FALSE(std::filesystem::exists(o.out_dir / "summary.json"));
}

TEST(RepeatRun, FewerThanOneRepetitionIsAUsageError) {
  FakeRunner runner;
  EXPECT_THROW(run_repeat(runner, options(0)), UsageError);
  EXPECT_TRUE(runner.runs.empty());
}

}  // namespace
}  // namespace spanbench
