// The verdicts of run --repeat, regress and compare, fed made-up results:
// what the figures may be called (overhead, noisy, a measurement problem,
// a rate the tracer cannot hold), apart from running anything.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "suites/compare.h"
#include "suites/overhead.h"
#include "suites/regress.h"

namespace spanbench {
namespace {

// A 10 s run at 1000 spans/s whose span loop used `cpu` of a core.
Result run(bool trace, double cpu, double sps = 1000) {
  Result r;
  r.client = "cpp-mock";
  r.trace = trace;
  r.target_spans_per_second = 1000;
  r.target_runtime = 10;
  r.target_cpu = 0.7;
  r.num_tags = 10;
  r.num_logs = 15;
  r.satellites = "typical";
  r.loop_seconds = 10;
  r.loop_cpu_seconds = cpu * 10;
  r.cpu_usage = cpu;
  r.spans_per_second = sps;
  r.spans_sent = int64_t(sps * 10);
  r.spans_received = r.spans_sent;
  r.max_rss_bytes = (trace ? 16 : 12) << 20;
  r.program_time = r.loop_cpu_seconds + 0.01;
  r.clock_time = 10.02;
  r.startup_seconds = 0.004;
  r.startup_cpu_seconds = 0.003;
  return r;
}

std::vector<NamedResult> runs(bool trace, const std::vector<double>& cpus, double sps = 1000) {
  std::vector<NamedResult> out;
  for (size_t i = 0; i < cpus.size(); ++i) {
    out.push_back(
        {std::string(trace ? "traced" : "untraced") + "/run-00" + std::to_string(i + 1) + ".json",
         run(trace, cpus[i], sps)});
  }
  return out;
}

const std::vector<double> kUntraced = {0.700, 0.702, 0.698, 0.701, 0.699, 0.703};
const std::vector<double> kTraced = {0.721, 0.719, 0.724, 0.720, 0.722, 0.718};

TEST(Overhead, ClearOverheadWithIntervalsInPointsAndNanosecondsPerSpan) {
  OverheadAnalysis a = analyze_overhead(runs(true, kTraced), runs(false, kUntraced), false);
  EXPECT_EQ(a.status, OverheadAnalysis::Status::overhead);
  EXPECT_EQ(a.traced_runs, 6u);
  // Every traced run is above every untraced one: the whole interval is > 0.
  EXPECT_TRUE(a.cpu_points.reached);
  EXPECT_GT(a.cpu_points.low, 1.0);
  EXPECT_LT(a.cpu_points.high, 3.0);
  EXPECT_NEAR(a.cpu_points.estimate, 2.0, 0.2);
  // 0.02 of a core over 1000 spans/s is 20 us of CPU per span.
  EXPECT_NEAR(a.cpu_ns_per_span.estimate, 20000, 2000);
  EXPECT_NEAR(a.traced_cpu.median, 0.7205, 1e-9);
  EXPECT_DOUBLE_EQ(a.untraced_cpu.min, 0.698);
  EXPECT_DOUBLE_EQ(a.traced_rss.max, 16 << 20);
  EXPECT_TRUE(a.rate_held);
  std::string text = format_overhead(a);
  EXPECT_NE(text.find("CPU share          +2."), std::string::npos) << text;
  EXPECT_NE(text.find("CPU per span       +"), std::string::npos) << text;
  EXPECT_NE(text.find("overhead: +2."), std::string::npos) << text;
  EXPECT_EQ(text.find("NOISY"), std::string::npos) << text;
  auto j = to_json(a);
  EXPECT_EQ(j["status"], "overhead");
  EXPECT_TRUE(j["cpu_points"]["reached"].get<bool>());
}

TEST(Overhead, StartUpIsReportedApartAndNotSpreadOverSpans) {
  auto traced = runs(true, kTraced), untraced = runs(false, kUntraced);
  for (auto& r : traced) {
    r.result.setup_cpu_seconds = 0.300;  // a tracer that takes 300 ms to start
    r.result.setup_seconds = 0.350;
    r.result.program_time += 0.3;
  }
  OverheadAnalysis a = analyze_overhead(traced, untraced, false);
  EXPECT_NEAR(a.setup_cpu_ms.estimate, 300, 1e-6);
  EXPECT_NEAR(a.setup_wall_ms.estimate, 350, 1e-6);
  // The per-span cost comes from the loop alone: unchanged by the start-up.
  EXPECT_NEAR(a.cpu_ns_per_span.estimate, 20000, 2000);
  EXPECT_NE(format_overhead(a).find("set-up +300.0 ms"), std::string::npos) << format_overhead(a);
}

TEST(Overhead, DisturbedRunsMakeItNoisyUnlessAllowedAndAreNamed) {
  auto untraced = runs(false, kUntraced);
  untraced[2].result.disturbed = true;
  untraced[2].result.disturbance = "other processes used 1.6 cores";
  OverheadAnalysis a = analyze_overhead(runs(true, kTraced), untraced, false);
  EXPECT_EQ(a.status, OverheadAnalysis::Status::noisy);
  ASSERT_EQ(a.disturbed.size(), 1u);
  EXPECT_EQ(a.disturbed[0], "untraced/run-003.json (other processes used 1.6 cores)");
  std::string text = format_overhead(a);
  EXPECT_NE(text.find("NOISY: 1 of 12 runs were disturbed"), std::string::npos) << text;
  EXPECT_NE(text.find("untraced/run-003.json"), std::string::npos) << text;

  OverheadAnalysis allowed = analyze_overhead(runs(true, kTraced), untraced, true);
  EXPECT_EQ(allowed.status, OverheadAnalysis::Status::overhead);
  EXPECT_EQ(allowed.disturbed.size(), 1u);
  EXPECT_NE(format_overhead(allowed).find("accepted with --allow-noise"), std::string::npos);
}

TEST(Overhead, BelowZeroBeyondTheIntervalIsAMeasurementProblem) {
  // The untraced runs used more CPU than the traced ones, every time.
  OverheadAnalysis a = analyze_overhead(runs(true, kUntraced), runs(false, kTraced), false);
  EXPECT_TRUE(a.cpu_points.surely_below_zero());
  EXPECT_EQ(a.status, OverheadAnalysis::Status::measurement_problem);
  EXPECT_NE(format_overhead(a).find("MEASUREMENT PROBLEM"), std::string::npos);
  EXPECT_EQ(format_overhead(a).find("\noverhead:"), std::string::npos);
}

TEST(Overhead, TooFewRunsForTheIntervalCannotProveANegativeOverhead) {
  // Two a side: the interval of all differences has only 2/3 confidence.
  OverheadAnalysis a =
      analyze_overhead(runs(true, {0.69, 0.691}), runs(false, {0.70, 0.701}), false);
  EXPECT_TRUE(a.cpu_points.below_zero());
  EXPECT_FALSE(a.cpu_points.reached);
  EXPECT_NE(a.status, OverheadAnalysis::Status::measurement_problem);
  EXPECT_NE(format_overhead(a).find("(a 67% interval: too few runs for more)"), std::string::npos)
      << format_overhead(a);
}

TEST(Overhead, ATracerThatMissesTheRateIsSaidSoAndHasNoCpuOverhead) {
  // 6% short of the untraced rate: the CPU share is measured at a lower rate.
  OverheadAnalysis a =
      analyze_overhead(runs(true, kTraced, 940), runs(false, kUntraced, 1000), false);
  EXPECT_FALSE(a.rate_held);
  EXPECT_NEAR(a.rate_shortfall, 0.06, 1e-9);
  EXPECT_EQ(a.status, OverheadAnalysis::Status::rate_not_held);
  std::string text = format_overhead(a);
  EXPECT_NE(text.find("RATE NOT HELD: the traced client reached 940.0 spans/s, 6.0% below"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("CPU share          not an overhead"), std::string::npos) << text;
  EXPECT_EQ(text.find("points"), std::string::npos) << text;
  // 4% short is within the tolerance.
  EXPECT_TRUE(analyze_overhead(runs(true, kTraced, 960), runs(false, kUntraced), false).rate_held);
}

// --- regress

CpuCheckConfig cpu_config(double limit) {
  CpuCheckConfig c;
  c.max_overhead_points = limit;
  return c;
}

TEST(RegressVerdict, CpuCheckPassesUnderTheLimitAndFailsOver) {
  RegressCheckResult pass;
  judge_cpu_check(pass, cpu_config(10), runs(true, kTraced), runs(false, kUntraced));
  EXPECT_EQ(pass.verdict, Verdict::pass);
  EXPECT_NEAR(pass.measured, 2.0, 0.2);
  EXPECT_NE(pass.detail.find("traced - untraced +2."), std::string::npos) << pass.detail;
  RegressCheckResult fail;
  judge_cpu_check(fail, cpu_config(1), runs(true, kTraced), runs(false, kUntraced));
  EXPECT_EQ(fail.verdict, Verdict::fail);
}

TEST(RegressVerdict, CpuBelowZeroBeyondItsIntervalIsNoisyNeverPass) {
  RegressCheckResult c;
  judge_cpu_check(c, cpu_config(10), runs(true, kUntraced), runs(false, kTraced));
  EXPECT_LT(c.measured, 0);
  EXPECT_EQ(c.verdict, Verdict::noisy);
  EXPECT_NE(c.noise.find("measurement problem"), std::string::npos) << c.noise;
}

TEST(RegressVerdict, CpuCheckFailsWhenTheTracedClientMissesTheRate) {
  RegressCheckResult c;
  judge_cpu_check(c, cpu_config(10), runs(true, kTraced, 800), runs(false, kUntraced, 1000));
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_NE(c.detail.find("cannot keep up"), std::string::npos) << c.detail;
}

TEST(RegressVerdict, DisturbedRunsMakeAnyCheckNoisyUnlessAllowed) {
  auto traced = runs(true, kTraced);
  traced[0].result.disturbed = true;
  traced[0].result.disturbance = "load average 4.2 at start";
  RegressCheckResult c;
  c.verdict = Verdict::fail;  // even a failure is no verdict on a disturbed run
  apply_noise(c, traced, false);
  EXPECT_EQ(c.verdict, Verdict::noisy);
  EXPECT_NE(c.noise.find("1 of 6 runs disturbed: traced/run-001.json (load average 4.2"),
            std::string::npos)
      << c.noise;

  RegressCheckResult allowed;
  allowed.verdict = Verdict::pass;
  apply_noise(allowed, traced, true);
  EXPECT_EQ(allowed.verdict, Verdict::pass);
  EXPECT_NE(allowed.detail.find("accepted with --allow-noise"), std::string::npos);

  RegressCheckResult quiet;
  quiet.verdict = Verdict::pass;
  apply_noise(quiet, runs(true, kTraced), false);
  EXPECT_EQ(quiet.verdict, Verdict::pass);
  EXPECT_TRUE(quiet.detail.empty());
}

TEST(RegressVerdict, ReportIsFailOverNoisyOverPass) {
  RegressReport r;
  r.client = "c";
  r.profile = "quick";
  EXPECT_EQ(r.verdict(), Verdict::fail);  // nothing ran
  RegressCheckResult pass, noisy, fail;
  pass.name = "memory";
  pass.verdict = Verdict::pass;
  noisy.name = "cpu";
  noisy.verdict = Verdict::noisy;
  noisy.noise = "2 of 8 runs disturbed";
  fail.name = "throughput";
  fail.verdict = Verdict::fail;
  r.checks = {pass};
  EXPECT_EQ(r.verdict(), Verdict::pass);
  r.checks = {pass, noisy};
  EXPECT_EQ(r.verdict(), Verdict::noisy);
  EXPECT_FALSE(r.passed());
  EXPECT_NE(format_regress_table(r).find("NOISY"), std::string::npos);
  auto j = to_json(r);
  EXPECT_EQ(j["verdict"], "noisy");
  EXPECT_EQ(j["checks"][1]["verdict"], "noisy");
  JUnitSuite junit = to_junit(r);
  ASSERT_TRUE(junit.cases[1].failure);
  EXPECT_NE(junit.cases[1].failure->find("noisy, no verdict: 2 of 8 runs disturbed"),
            std::string::npos);
  r.checks = {pass, noisy, fail};
  EXPECT_EQ(r.verdict(), Verdict::fail);
  r.checks = {pass};
  r.interrupted = true;
  EXPECT_EQ(r.verdict(), Verdict::fail);
}

// --- compare

ResultSet set(const std::string& source, const std::vector<NamedResult>& rs) {
  ResultSet s;
  s.source = source;
  for (const auto& r : rs) {
    s.results.push_back(to_json(r.result));
    s.names.push_back(r.name);
  }
  return s;
}

TEST(CompareVerdict, GivesTheShiftInPointsWithItsInterval) {
  Comparison c =
      compare_result_sets(set("u", runs(false, kUntraced)), set("t", runs(true, kTraced)));
  ASSERT_EQ(c.metrics[0].metric, "cpu_usage");
  EXPECT_NEAR(c.metrics[0].shift.estimate, 2.0, 0.2);  // points
  EXPECT_GT(c.metrics[0].shift.low, 1.0);
  EXPECT_TRUE(c.settings_differences.empty());
  EXPECT_FALSE(c.noisy());
  const auto& per_span = c.metrics.back();
  EXPECT_EQ(per_span.metric, "cpu_ns_per_span");
  EXPECT_NEAR(per_span.shift.estimate, 20000, 2000);
  std::string text = format_comparison(c);
  EXPECT_NE(text.find("+2.0"), std::string::npos) << text;
  EXPECT_NE(text.find(" pts ["), std::string::npos) << text;
  EXPECT_EQ(to_json(c)["verdict"], "changed");
}

TEST(CompareVerdict, ListsSettingsThatDiffer) {
  auto wide = runs(true, kTraced);
  for (auto& r : wide) r.result.num_tags = 3;
  Comparison c = compare_result_sets(set("a", runs(true, kTraced)), set("b", wide));
  ASSERT_EQ(c.settings_differences.size(), 1u);
  EXPECT_EQ(c.settings_differences[0], "NumTags: 10 vs 3");
  EXPECT_NE(format_comparison(c).find("settings differ (compared with --force): NumTags"),
            std::string::npos);
  EXPECT_EQ(to_json(c)["settings_differences"].size(), 1u);
}

TEST(CompareVerdict, DisturbedRunsGiveNoVerdictUnlessAllowed) {
  auto traced = runs(true, kTraced);
  traced[4].result.disturbed = true;
  traced[4].result.disturbance = "steal 12%";
  Comparison c = compare_result_sets(set("u", runs(false, kUntraced)), set("t", traced));
  EXPECT_TRUE(c.noisy());
  std::string text = format_comparison(c);
  EXPECT_NE(text.find("NOISY: no verdict: 1 of 12 runs were disturbed"), std::string::npos) << text;
  EXPECT_NE(text.find("new traced/run-005.json (steal 12%)"), std::string::npos) << text;
  EXPECT_EQ(text.find("significant change"), std::string::npos) << text;
  EXPECT_EQ(to_json(c)["verdict"], "noisy");

  Comparison allowed =
      compare_result_sets(set("u", runs(false, kUntraced)), set("t", traced), 0.05, true);
  EXPECT_FALSE(allowed.noisy());
  EXPECT_NE(format_comparison(allowed).find("accepted with --allow-noise"), std::string::npos);
}

TEST(CompareVerdict, TracedBelowUntracedBeyondTheIntervalIsAMeasurementProblem) {
  Comparison c =
      compare_result_sets(set("u", runs(false, kTraced)), set("t", runs(true, kUntraced)));
  EXPECT_TRUE(c.noisy());
  EXPECT_NE(c.noise_text().find("traced runs used less CPU"), std::string::npos);
  // Two traced sets: a drop in CPU is an improvement, not a problem.
  Comparison better =
      compare_result_sets(set("a", runs(true, kTraced)), set("b", runs(true, kUntraced)));
  EXPECT_FALSE(better.noisy());
}

}  // namespace
}  // namespace spanbench
