// run_regress over a fake runner: which runs each check makes, in what
// order, what lands on disk, and the verdicts from scripted results.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>

#include "fake_runner.h"
#include "suites/regress.h"

namespace spanbench {
namespace {

using testing::clean_result;
using testing::FakeRunner;
using testing::fresh_dir;
using testing::read_json;

// Small numbers so that run lists stay readable.
RegressOptions options() {
  RegressOptions o;
  o.client = "fake-otlp";
  o.out_dir = fresh_dir();
  RegressProfile& p = o.profile;
  p.name = "test";
  p.memory.short_runtime_seconds = 2;
  p.memory.long_runtime_seconds = 20;
  p.memory.spans_per_second = 100;
  p.dropped.rates = {100, 300};
  p.dropped.runtime_seconds = 3;
  p.cpu.trials = 4;
  p.cpu.spans_per_second = 500;
  p.cpu.runtime_seconds = 2;
  p.throughput.rates = {1000, 2000, 5000};
  p.throughput.runtime_seconds = 2;
  p.throughput.min_spans_per_second = 2000;
  return o;
}

RegressOptions only(const std::string& check) {
  RegressOptions o = options();
  o.profile.memory.enabled = check == "memory";
  o.profile.dropped.enabled = check == "dropped";
  o.profile.cpu.enabled = check == "cpu";
  o.profile.throughput.enabled = check == "throughput";
  return o;
}

const RegressCheckResult& check_named(const RegressReport& r, const std::string& name) {
  for (const auto& c : r.checks) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no check " + name);
}

TEST(RegressRun, CleanRunsPassEveryCheckAndEveryRunIsOnDiskInOrder) {
  FakeRunner runner;
  RegressOptions o = options();
  std::vector<std::string> announced;
  std::vector<size_t> summary_checks;  // checks in regress.json as each check ends
  RegressCallbacks cb;
  cb.on_run = [&](const std::string& label) { announced.push_back(label); };
  cb.on_check = [&](const RegressCheckResult&) {
    summary_checks.push_back(read_json(o.out_dir / "regress.json")["checks"].size());
  };
  RegressReport report = run_regress(runner, o, cb);

  EXPECT_EQ(report.verdict(), Verdict::pass);
  ASSERT_EQ(report.checks.size(), 4u);
  EXPECT_EQ(summary_checks, (std::vector<size_t>{1, 2, 3, 4}));
  std::vector<std::string> want = {
      "memory-2s",          "memory-20s",         "dropped-100sps",    "dropped-300sps",
      "cpu-traced-1",       "cpu-untraced-1",     "cpu-traced-2",      "cpu-untraced-2",
      "cpu-traced-3",       "cpu-untraced-3",     "cpu-traced-4",      "cpu-untraced-4",
      "throughput-1000sps", "throughput-2000sps", "throughput-5000sps"};
  EXPECT_EQ(announced, want);
  ASSERT_EQ(runner.runs.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    auto file = o.out_dir / "runs" / fmt::format("{:03d}-{}.json", i + 1, want[i]);
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_EQ(read_json(file)["trace"], runner.runs[i].trace) << file;
  }
  // One set of satellites for the whole suite, every run pointed at them.
  ASSERT_EQ(runner.satellite_starts.size(), 1u);
  EXPECT_EQ(runner.satellite_starts[0].mode, "typical");
  for (const auto& r : runner.runs) EXPECT_NE(r.sink, nullptr);
  EXPECT_FALSE(runner.runs[5].trace);  // cpu-untraced-1
  EXPECT_EQ(runner.runs[2].spans_per_second, 100);
  EXPECT_EQ(runner.runs[2].runtime_seconds, 3);

  auto summary = read_json(o.out_dir / "regress.json");
  EXPECT_EQ(summary["verdict"], "pass");
  EXPECT_EQ(summary["interrupted"], false);
}

TEST(RegressRun, MemoryFailsWhenTheLongRunGrowsPastTheRatio) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int) {
    Result r = clean_result(o);
    r.max_rss_bytes = o.runtime_seconds > 10 ? int64_t(40) << 20 : int64_t(16) << 20;
    return r;
  };
  RegressReport report = run_regress(runner, only("memory"));
  const auto& c = check_named(report, "memory");
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_DOUBLE_EQ(c.measured, 2.5);
  EXPECT_EQ(c.measured_text, "2.50x");
  EXPECT_EQ(c.detail, "2 s run: 16.0 MiB peak; 20 s run: 40.0 MiB peak");
}

TEST(RegressRun, DroppedFailsOnTheRateThatDropsAndNamesEveryRate) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int) {
    Result r = clean_result(o);
    if (o.spans_per_second == 300) {
      r.dropped_spans = 7;
      r.spans_received -= 7;
    }
    return r;
  };
  RegressReport report = run_regress(runner, only("dropped"));
  const auto& c = check_named(report, "dropped");
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.measured_text, "7 dropped");
  EXPECT_EQ(c.detail, "100 spans/s: 0 of 300 dropped; 300 spans/s: 7 of 900 dropped");
}

TEST(RegressRun, ThroughputStopsAtTheFirstRateOverTheCpuLimit) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int) {
    Result r = clean_result(o);
    if (o.spans_per_second >= 2000) r.cpu_usage = 0.95;
    return r;
  };
  RegressReport report = run_regress(runner, only("throughput"));
  const auto& c = check_named(report, "throughput");
  EXPECT_EQ(runner.runs.size(), 2u);  // 5000 is not tried
  EXPECT_EQ(c.measured, 1000);
  EXPECT_EQ(c.verdict, Verdict::fail);  // under the 2000 spans/s limit
  EXPECT_EQ(c.detail,
            "1000 spans/s: 70.0% CPU, 0 dropped; 2000 spans/s: 95.0% CPU, 0 dropped "
            "(stop: 95.0% CPU)");
}

TEST(RegressRun, ThroughputPassesWhenEveryRateIsClean) {
  FakeRunner runner;
  RegressReport report = run_regress(runner, only("throughput"));
  const auto& c = check_named(report, "throughput");
  EXPECT_EQ(c.verdict, Verdict::pass);
  EXPECT_EQ(c.measured, 5000);
  EXPECT_NE(c.detail.find("(every rate of the sweep was clean)"), std::string::npos);
}

TEST(RegressRun, CpuCheckJudgesTracedAgainstUntracedTrials) {
  for (double traced_cpu : {0.72, 0.85}) {
    FakeRunner runner;
    runner.script = [&](const RunOptions& o, int n) {
      Result r = clean_result(o);
      r.cpu_usage = (o.trace ? traced_cpu : 0.70) + 0.001 * n;  // trials differ a little
      r.loop_cpu_seconds = r.cpu_usage * r.loop_seconds;
      return r;
    };
    RegressReport report = run_regress(runner, only("cpu"));
    const auto& c = check_named(report, "cpu");
    EXPECT_EQ(c.verdict, traced_cpu < 0.8 ? Verdict::pass : Verdict::fail) << c.detail;
    EXPECT_NEAR(c.measured, (traced_cpu - 0.70) * 100, 0.5);
  }
}

TEST(RegressRun, AFailedRunFailsItsCheckAndTheSuiteGoesOn) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int n) {
    if (n == 2) testing::fail_run(o, "client exited with status 1");
    return clean_result(o);
  };
  RegressOptions o = options();
  o.profile.cpu.enabled = false;
  RegressReport report = run_regress(runner, o);
  ASSERT_EQ(report.checks.size(), 3u);
  const auto& m = check_named(report, "memory");
  EXPECT_EQ(m.verdict, Verdict::fail);
  EXPECT_EQ(m.measured_text, "run failed");
  EXPECT_EQ(m.detail, "client exited with status 1");
  EXPECT_EQ(check_named(report, "dropped").verdict, Verdict::pass);
  auto partial = read_json(o.out_dir / "runs" / "002-memory-20s.json");
  EXPECT_EQ(partial["error"], "client exited with status 1");
  EXPECT_EQ(report.verdict(), Verdict::fail);
}

TEST(RegressRun, StoppingEndsTheSuiteWithTheSummarySoFarMarkedInterrupted) {
  FakeRunner runner;
  runner.script = [&](const RunOptions& o, int n) {
    if (n == 3) {
      runner.stop = true;
      testing::fail_run(o, "interrupted");
    }
    return clean_result(o);
  };
  RegressOptions o = options();
  o.junit_file = o.out_dir / "junit.xml";
  EXPECT_THROW(run_regress(runner, o), RunFailed);
  EXPECT_EQ(runner.runs.size(), 3u);
  auto summary = read_json(o.out_dir / "regress.json");
  EXPECT_EQ(summary["interrupted"], true);
  EXPECT_EQ(summary["verdict"], "fail");
  ASSERT_EQ(summary["checks"].size(), 1u);  // memory; dropped was cut short
  EXPECT_EQ(summary["checks"][0]["name"], "memory");
  EXPECT_TRUE(std::filesystem::exists(o.junit_file));
}

TEST(RegressRun, TheOptionsStopFlagAlsoEndsTheSuite) {
  std::atomic<bool> stop{false};
  FakeRunner runner;
  runner.script = [&](const RunOptions& o, int) -> Result {
    stop = true;
    testing::fail_run(o, "interrupted");
  };
  RegressOptions o = options();
  o.stop_flag = &stop;
  EXPECT_THROW(run_regress(runner, o), RunFailed);
  EXPECT_EQ(runner.runs.size(), 1u);
}

TEST(RegressRun, ADisturbedRunMakesItsCheckNoisyUnlessNoiseIsAllowed) {
  for (bool allow : {false, true}) {
    FakeRunner runner;
    runner.script = [](const RunOptions& o, int n) {
      Result r = clean_result(o);
      if (n == 2) {
        r.disturbed = true;
        r.disturbance = "other processes used 1.3 cores";
      }
      return r;
    };
    RegressOptions o = only("dropped");
    o.allow_noise = allow;
    RegressReport report = run_regress(runner, o);
    const auto& c = check_named(report, "dropped");
    EXPECT_EQ(c.verdict, allow ? Verdict::pass : Verdict::noisy);
    std::string named = "002-dropped-300sps.json (other processes used 1.3 cores)";
    EXPECT_NE((allow ? c.detail : c.noise).find(named), std::string::npos)
        << c.detail << " / " << c.noise;
    EXPECT_EQ(report.verdict(), allow ? Verdict::pass : Verdict::noisy);
  }
}

TEST(RegressRun, AClientThatReportsNowhereIsRefusedBeforeAnyRun) {
  FakeRunner runner;
  RegressOptions o = options();
  o.client = "fake-noop";
  EXPECT_THROW(run_regress(runner, o), UsageError);
  EXPECT_TRUE(runner.runs.empty());
  EXPECT_TRUE(runner.satellite_starts.empty());
}

}  // namespace
}  // namespace spanbench
