// Suite logic that needs no client process: suite files, comparisons of
// result sets, the regress report's JUnit form.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "suites/compare.h"
#include "suites/regress.h"

namespace spanbench {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::path(TEST_WORK_DIR) / "logic" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

nlohmann::json result(double cpu, int64_t rss, int64_t dropped = 0) {
  return {{"client", "cpp-datadog"},
          {"trace", true},
          {"target_spans_per_second", 1000},
          {"target_runtime", 1},
          {"spans_sent", 1000},
          {"spans_received", 1000 - dropped},
          {"dropped_spans", dropped},
          {"cpu_usage", cpu},
          {"program_time", cpu},
          {"clock_time", 1.0},
          {"spans_per_second", 990.0},
          {"max_rss_bytes", rss}};
}

TEST(RegressProfile, ShippedSuiteHasBothProfilesWithTheSeedsNumbers) {
  RegressProfile full = load_regress_profile(REPO_SUITE_TOML, "full");
  EXPECT_EQ(full.memory.long_runtime_seconds, 100);
  EXPECT_EQ(full.memory.short_runtime_seconds, 5);
  EXPECT_EQ(full.memory.spans_per_second, 500);
  EXPECT_EQ(full.memory.max_ratio, 2.0);
  EXPECT_EQ(full.dropped.rates, (std::vector<double>{100, 300}));
  EXPECT_EQ(full.dropped.max_dropped, 0);
  EXPECT_EQ(full.cpu.trials, 5);
  EXPECT_EQ(full.cpu.max_overhead_points, 10);
  EXPECT_EQ(full.throughput.max_cpu, 0.8);
  EXPECT_EQ(full.throughput.min_spans_per_second, 3000);
  RegressProfile quick = load_regress_profile(REPO_SUITE_TOML, "quick");
  EXPECT_LT(quick.memory.long_runtime_seconds, full.memory.long_runtime_seconds);
  EXPECT_LT(quick.cpu.trials, full.cpu.trials);
  // Same limits: only the effort differs.
  EXPECT_EQ(quick.memory.max_ratio, full.memory.max_ratio);
  EXPECT_EQ(quick.cpu.max_overhead_points, full.cpu.max_overhead_points);
  EXPECT_EQ(quick.throughput.min_spans_per_second, full.throughput.min_spans_per_second);
}

TEST(RegressProfile, MissingKeysTakeDefaultsAndChecksCanBeSwitchedOff) {
  RegressProfile p = parse_regress_profile(
      "[mine.cpu]\ntrials = 2\n[mine.memory]\nenabled = false\n", "mine", "mine.toml");
  EXPECT_EQ(p.cpu.trials, 2);
  EXPECT_EQ(p.cpu.spans_per_second, 500);
  EXPECT_FALSE(p.memory.enabled);
  EXPECT_TRUE(p.throughput.enabled);
}

TEST(RegressProfile, BadValuesNameFileAndLine) {
  try {
    parse_regress_profile("[p.cpu]\n\ntrials = \"five\"\n", "p", "suite.toml");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("suite.toml:3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_regress_profile("[p.throughput]\nrates = [3000, 1000]\n", "p", "s"),
               UsageError);
  EXPECT_THROW(parse_regress_profile("[p.cpu]\ntrials = 0\n", "p", "s"), UsageError);
  EXPECT_THROW(parse_regress_profile("[p\n", "p", "s"), UsageError);
  try {
    parse_regress_profile("[quick]\n[full]\n", "fast", "s.toml");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("full, quick"), std::string::npos) << e.what();
  }
}

TEST(RegressProfile, UnknownKeysAndTablesNameFileAndLine) {
  auto error_of = [](const std::string& text) {
    try {
      parse_regress_profile(text, "p", "suite.toml");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string msg = error_of("[p.cpu]\ntrials = 2\nmax_overhead = 5\n");
  EXPECT_NE(msg.find("suite.toml:3: unknown key p.cpu.max_overhead"), std::string::npos) << msg;
  EXPECT_NE(msg.find("max_overhead_points"), std::string::npos) << msg;
  msg = error_of("[p.cpu]\ntrials = 2\n[p.latency]\nruntime = 1\n");
  EXPECT_NE(msg.find("suite.toml:3: unknown table [p.latency]"), std::string::npos) << msg;
  // A typo in a profile other than the one asked for is an error too.
  msg = error_of("[p.cpu]\ntrials = 2\n[q.dropped]\nrate = [1]\n");
  EXPECT_NE(msg.find("suite.toml:4: unknown key q.dropped.rate"), std::string::npos) << msg;
  msg = error_of("runs = 3\n[p.cpu]\ntrials = 2\n");
  EXPECT_NE(msg.find("suite.toml:1: unknown key runs"), std::string::npos) << msg;
}

TEST(RegressReport, JUnitHasOneFailurePerFailedCheck) {
  RegressReport r;
  r.client = "c";
  r.profile = "quick";
  r.checks.push_back({"memory", "d", 1.1, "1.10x", 2, "<= 2x", Verdict::pass, "", 1, ""});
  r.checks.push_back(
      {"cpu", "d", 12, "+12.0 points", 10, "< 10 points", Verdict::fail, "traced 82%", 2, ""});
  EXPECT_FALSE(r.passed());
  JUnitSuite s = to_junit(r);
  ASSERT_EQ(s.cases.size(), 2u);
  EXPECT_FALSE(s.cases[0].failure);
  ASSERT_TRUE(s.cases[1].failure);
  EXPECT_NE(s.cases[1].failure->find("+12.0 points"), std::string::npos);
  std::string table = format_regress_table(r);
  EXPECT_NE(table.find("cpu     +12.0 points  < 10 points  FAIL"), std::string::npos) << table;
  EXPECT_EQ(to_json(r)["checks"].size(), 2u);
}

TEST(Compare, FlagsAClearShiftAndGivesMediansAndChange) {
  ResultSet base{"base", {}, {}, {}}, next{"new", {}, {}, {}};
  for (int i = 0; i < 10; ++i) {
    base.results.push_back(result(0.70 + 0.001 * i, 16 << 20));
    next.results.push_back(result(0.75 + 0.001 * i, 16 << 20));
  }
  Comparison c = compare_result_sets(base, next);
  ASSERT_EQ(c.metrics.size(), 6u);
  const auto& cpu = c.metrics[0];
  EXPECT_EQ(cpu.metric, "cpu_usage");
  EXPECT_NEAR(cpu.base_median, 0.7045, 1e-9);
  EXPECT_NEAR(cpu.new_median, 0.7545, 1e-9);
  EXPECT_NEAR(cpu.change_percent, (0.7545 - 0.7045) / 0.7045 * 100, 1e-9);
  EXPECT_TRUE(cpu.significant);
  EXPECT_LT(cpu.test.p, 0.001);
  // Constant metrics are ties everywhere: never flagged.
  EXPECT_FALSE(c.metrics[3].significant);  // max_rss_bytes
  EXPECT_TRUE(c.warnings.empty());
  std::string text = format_comparison(c);
  EXPECT_NE(text.find("significant"), std::string::npos);
}

TEST(Compare, OverlappingSetsAreNotFlaggedAndFewRunsWarn) {
  ResultSet base{"base", {}, {}, {}}, next{"new", {}, {}, {}};
  for (double v : {0.70, 0.72, 0.71, 0.73}) base.results.push_back(result(v, 1 << 20));
  for (double v : {0.715, 0.705, 0.725, 0.735}) next.results.push_back(result(v, 1 << 20));
  Comparison c = compare_result_sets(base, next);
  EXPECT_FALSE(c.any_significant());
  ASSERT_FALSE(c.warnings.empty());
  EXPECT_NE(c.warnings[0].find("9+"), std::string::npos);
  EXPECT_NE(format_comparison(c).find("no significant change"), std::string::npos);
}

TEST(Compare, AConsistentChangeTooSmallToMatterIsNotFlagged) {
  // Identical runs whose peak RSS differs by ten pages (0.2%) every time:
  // the test finds it (p < alpha), the comparison does not flag it; 5% it does.
  ResultSet base{"base", {}, {}, {}}, same{"same", {}, {}, {}}, grown{"grown", {}, {}, {}};
  for (int i = 0; i < 10; ++i) {
    base.results.push_back(result(0.70 + 0.001 * i, (20 << 20) + 4096 * (i % 3)));
    same.results.push_back(result(0.70 + 0.001 * i, (20 << 20) + 40960 + 4096 * (i % 3)));
    grown.results.push_back(result(0.70 + 0.001 * i, (21 << 20) + 4096 * (i % 3)));
  }
  Comparison c = compare_result_sets(base, same);
  const auto& rss = c.metrics[3];
  ASSERT_EQ(rss.metric, "max_rss_bytes");
  EXPECT_LT(rss.test.p, 0.05);
  EXPECT_LT(std::abs(rss.change_percent), kMinChangePercent);
  EXPECT_FALSE(rss.significant);
  EXPECT_FALSE(c.any_significant());
  Comparison g = compare_result_sets(base, grown);
  EXPECT_TRUE(g.metrics[3].significant);
}

TEST(Compare, DroppedShareIsDroppedOverSent) {
  EXPECT_DOUBLE_EQ(metric_value(result(0.7, 1, 250), "dropped_share"), 0.25);
}

TEST(Compare, LoadsFoldersAndJsonLinesSkippingFailedRuns) {
  auto dir = fresh_dir("sets");
  std::ofstream(dir / "run-001.json") << result(0.7, 1).dump(2);
  auto failed = result(0.1, 1);
  failed["error"] = "client crashed";
  std::ofstream(dir / "run-002.json") << failed.dump();
  std::ofstream(dir / "notes.txt") << "ignored";
  ResultSet s = load_result_set(dir);
  EXPECT_EQ(s.results.size(), 1u);
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_NE(s.skipped[0].find("client crashed"), std::string::npos);

  std::ofstream(dir / "set.jsonl") << result(0.7, 1).dump() << "\n\n"
                                   << result(0.8, 1).dump() << "\nnot json\n";
  ResultSet l = load_result_set(dir / "set.jsonl");
  EXPECT_EQ(l.results.size(), 2u);
  EXPECT_EQ(l.skipped.size(), 1u);

  auto parent = fresh_dir("parent");
  fs::create_directories(parent / "traced");
  try {
    load_result_set(parent);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("traced"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_result_set(dir / "missing.jsonl"), UsageError);
}

}  // namespace
}  // namespace spanbench
