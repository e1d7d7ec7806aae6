// Summaries of a vector of results and their exports (Markdown, CSV,
// JSON), fed made-up results: the figures, their formatting for people,
// and files that are whole after every write.
#include "report/summary.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "report/csv.h"
#include "report/export.h"
#include "report/format.h"

namespace spanbench {
namespace {
namespace fs = std::filesystem;

// A 10 s run at 1000 spans/s whose loop used `cpu` of a core.
NamedResult run(bool trace, int n, double cpu, double sps, int64_t dropped, int64_t rss) {
  Result r;
  r.client = "cpp-mock";
  r.trace = trace;
  r.target_spans_per_second = 1000;
  r.target_runtime = 10;
  r.cpu_usage = cpu;
  r.loop_seconds = 10;
  r.loop_cpu_seconds = cpu * 10;
  r.spans_per_second = sps;
  r.spans_sent = int64_t(sps * 10);
  r.dropped_spans = dropped;
  r.max_rss_bytes = rss;
  return {std::string(trace ? "traced" : "untraced") + "/run-00" + std::to_string(n) + ".json", r};
}

std::vector<NamedResult> sample_runs() {
  std::vector<NamedResult> v;
  const double traced_cpu[] = {0.721, 0.719, 0.724, 0.720};
  const double untraced_cpu[] = {0.700, 0.702, 0.698, 0.701};
  for (int i = 0; i < 4; ++i) {
    v.push_back(run(true, i + 1, traced_cpu[i], 999 + i, i == 3 ? 100 : 0, (16 << 20) + i));
    v.push_back(run(false, i + 1, untraced_cpu[i], 1000, 0, 12 << 20));
  }
  return v;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What a person should never have to read: a float printed to its last
// digit (five significant digits after the point or more), or in exponent
// form.
const std::regex kRawFloat(R"(\d\.0*[1-9]\d{4,}|\d[eE][+-]\d)");

TEST(Format, NumbersForPeople) {
  EXPECT_EQ(grouped(1234567.891, 1), "1,234,567.9");
  EXPECT_EQ(grouped(-1234.0, 0), "-1,234");
  EXPECT_EQ(grouped(999.0, 0), "999");
  EXPECT_EQ(grouped(-0.01, 1), "0.0");  // no "-0.0"
  EXPECT_EQ(grouped(int64_t{10000}), "10,000");
  EXPECT_EQ(grouped(std::nan(""), 1), "n/a");
  EXPECT_EQ(percent(0.70312), "70.3%");
  EXPECT_EQ(percent(0.0), "0.0%");
  EXPECT_EQ(bytes_text(812), "812 B");
  EXPECT_EQ(bytes_text(19.4 * (1 << 20)), "19.4 MiB");
  EXPECT_EQ(bytes_text(3.0 * (1 << 30)), "3.00 GiB");
  EXPECT_EQ(seconds_text(0.5123), "0.512 s");
  EXPECT_EQ(seconds_text(12.34), "12.3 s");
  EXPECT_EQ(seconds_text(3600), "3,600 s");
  EXPECT_EQ(readable(0.5500544989195776), "0.55");
  EXPECT_EQ(readable(1e4), "10,000");
  EXPECT_EQ(readable(1234.5678), "1,235");
  EXPECT_EQ(readable(12.345), "12.3");
  EXPECT_EQ(readable(0.000123456), "0.000123");
  EXPECT_EQ(readable(-2.5), "-2.5");
  EXPECT_EQ(readable(0), "0");
  EXPECT_EQ(readable(1e-12), "0");
  double v = 0;
  EXPECT_TRUE(parse_number("1e+04", v));
  EXPECT_EQ(v, 1e4);
  EXPECT_TRUE(parse_number("-0.25", v));
  EXPECT_FALSE(parse_number("12 ms", v));
  EXPECT_FALSE(parse_number("", v));
  EXPECT_FALSE(parse_number("true", v));
  EXPECT_TRUE(std::regex_search(utc_now_iso(), std::regex(R"(^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$)")))
      << utc_now_iso();
}

TEST(Summary, FiguresPerSetAndTheOverheadWithItsInterval) {
  RunSetSummary s = summarize_runs(sample_runs());
  EXPECT_EQ(s.description, "cpp-mock, 1,000 spans/s, 10 s");
  ASSERT_EQ(s.sets.size(), 2u);
  EXPECT_EQ(s.sets[0].label, "traced");
  EXPECT_EQ(s.runs(), 8u);
  const SetSummary* t = s.set("traced");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->runs, 4u);
  EXPECT_NEAR(t->of(SummaryMetric::cpu_usage).median, 0.7205, 1e-12);
  EXPECT_DOUBLE_EQ(t->of(SummaryMetric::spans_per_second).min, 999);
  EXPECT_DOUBLE_EQ(t->of(SummaryMetric::spans_per_second).max, 1002);
  // One run of four dropped 100 of 10,020 spans.
  EXPECT_NEAR(t->of(SummaryMetric::dropped_share).max, 100.0 / 10020, 1e-12);
  EXPECT_DOUBLE_EQ(t->of(SummaryMetric::dropped_share).median, 0);
  EXPECT_DOUBLE_EQ(s.set("untraced")->of(SummaryMetric::max_rss_bytes).mean, 12 << 20);
  ASSERT_TRUE(s.overhead.has_value());
  // Every traced run is above every untraced one: an interval above zero
  // at 95% (4 runs a side reach it).
  EXPECT_TRUE(s.overhead->cpu_points.reached);
  EXPECT_NEAR(s.overhead->cpu_points.estimate, 2.05, 0.2);
  EXPECT_GT(s.overhead->cpu_points.low, 1.0);
  EXPECT_NEAR(s.overhead->cpu_ns_per_span.estimate, 20000, 2500);

  std::string table = format_summary_table(s);
  EXPECT_NE(table.find("summary of 4 traced and 4 untraced runs (cpp-mock, 1,000 spans/s, 10 s)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("CPU traced"), std::string::npos) << table;
  EXPECT_NE(table.find("72.1%"), std::string::npos) << table;  // median CPU, one decimal
  EXPECT_NE(table.find("dropped traced"), std::string::npos) << table;
  EXPECT_NE(table.find("16.0 MiB"), std::string::npos) << table;
  EXPECT_NE(table.find("1,002.0"), std::string::npos) << table;
  EXPECT_FALSE(std::regex_search(table, kRawFloat)) << table;
}

TEST(Summary, OneKindOfRunHasNoOverhead) {
  auto runs = sample_runs();
  std::erase_if(runs, [](const NamedResult& r) { return r.result.trace; });
  RunSetSummary s = summarize_runs(runs);
  ASSERT_EQ(s.sets.size(), 1u);
  EXPECT_EQ(s.sets[0].label, "untraced");
  EXPECT_FALSE(s.overhead.has_value());
  RunSetSummary none = summarize_runs(std::vector<Result>{});
  EXPECT_TRUE(none.sets.empty());
  EXPECT_NE(format_summary_table(none).find("summary of no runs"), std::string::npos);
}

TEST(Summary, ShiftTextIsSignedGroupedAndSaysWhenTheConfidenceWasOutOfReach) {
  stats::ShiftInterval s;
  EXPECT_EQ(shift_text(s, 1, 2, "points"), "n/a");
  s.defined = true;
  s.estimate = 12345.4;
  s.low = -3.2;
  s.high = 20000;
  s.reached = true;
  s.confidence = 0.95;
  EXPECT_EQ(shift_text(s, 1, 0, "ns"), "+12,345 ns [-3, +20,000]");
  s.low = -0.004;  // rounds to zero: no sign
  EXPECT_EQ(shift_text(s, 1, 2, ""), "+12,345.40 [0.00, +20,000.00]");
  s.low = -3.2;
  s.reached = false;
  s.confidence = 0.8;
  EXPECT_EQ(shift_text(s, 1, 0, ""),
            "+12,345 [-3, +20,000] (a 80% interval: too few runs for more)");
}

RunSetExport sample_export() {
  RunSetExport e = make_export(sample_runs(), 8);
  e.created = "2026-01-02T03:04:05Z";
  e.verdict = "overhead: +2.05 points";
  e.runs[2].result.disturbed = true;
  e.runs[2].result.disturbance = "other processes used 1.6 | 2 cores";
  return e;
}

TEST(Export, MarkdownHasTheSummaryTheOverheadAndARowPerRun) {
  RunSetExport e = sample_export();
  std::string md = MarkdownExporter().serialize(e);
  EXPECT_EQ(md.rfind("# spanbench: cpp-mock, 1,000 spans/s, 10 s\n", 0), 0u) << md;
  EXPECT_NE(md.find("Made 2026-01-02T03:04:05Z by spanbench " SPANBENCH_VERSION), std::string::npos)
      << md;
  EXPECT_NE(md.find("| metric | runs | median | mean ± sd | min … max |"), std::string::npos);
  EXPECT_NE(md.find("| CPU traced | 4 | 72.0% | 72.1% ± 0.2% | 71.9% … 72.4% |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| dropped traced | 4 | 0.0% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| CPU share | +2."), std::string::npos) << md;
  EXPECT_NE(md.find("95% confidence"), std::string::npos) << md;
  EXPECT_NE(md.find("overhead: +2.05 points"), std::string::npos) << md;
  EXPECT_NE(md.find("| traced/run-002.json | yes |"), std::string::npos) << md;
  // A '|' in a cell is escaped, so the table keeps its columns.
  EXPECT_NE(md.find("1.6 \\| 2 cores"), std::string::npos) << md;
  EXPECT_EQ(md.find("Incomplete"), std::string::npos);
  EXPECT_FALSE(std::regex_search(md, kRawFloat)) << md;

  e.failed = {"run 9 of 10: the client exited with 1"};
  e.planned_runs = 10;
  md = MarkdownExporter().serialize(e);
  EXPECT_NE(md.find("**Incomplete:** 8 of 10 runs measured; failed:"), std::string::npos) << md;
  EXPECT_NE(md.find("- run 9 of 10: the client exited with 1"), std::string::npos) << md;
}

TEST(Export, CsvHasARowPerSetAndMetricAndTheOverheadAtFullPrecision) {
  RunSetExport e = sample_export();
  auto rows = parse_csv(CsvExporter().serialize(e));
  ASSERT_EQ(rows.size(), 1u + 2 * 4 + 2);
  EXPECT_EQ(rows[0], (CsvRow{"set", "metric", "unit", "runs", "median", "mean", "stddev", "min",
                             "max", "estimate", "ci_low", "ci_high", "confidence"}));
  for (const auto& r : rows) ASSERT_EQ(r.size(), rows[0].size());
  const SetSummary* t = e.summary.set("traced");
  bool found = false;
  for (const auto& r : rows) {
    if (r[0] == "traced" && r[1] == "cpu_usage") {
      found = true;
      EXPECT_EQ(r[3], "4");
      EXPECT_EQ(std::stod(r[4]), t->of(SummaryMetric::cpu_usage).median);  // round trip
      EXPECT_EQ(std::stod(r[6]), t->of(SummaryMetric::cpu_usage).sd);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(rows[9][0], "overhead");
  EXPECT_EQ(rows[9][1], "cpu_points");
  EXPECT_EQ(std::stod(rows[9][9]), e.summary.overhead->cpu_points.estimate);
  EXPECT_EQ(std::stod(rows[10][12]), e.summary.overhead->cpu_ns_per_span.confidence);
}

TEST(Export, JsonHasTheSummaryAndEveryRunsFullResult) {
  RunSetExport e = sample_export();
  e.failed = {"run 9 of 10: killed"};
  auto j = nlohmann::json::parse(JsonExporter().serialize(e));
  EXPECT_EQ(j["created"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(j["spanbench_version"], SPANBENCH_VERSION);
  EXPECT_FALSE(j["complete"].get<bool>());
  EXPECT_EQ(j["failed"][0], "run 9 of 10: killed");
  EXPECT_EQ(j["summary"]["traced"]["runs"], 4);
  EXPECT_EQ(j["summary"]["untraced"]["cpu_usage"]["median"].get<double>(),
            e.summary.set("untraced")->of(SummaryMetric::cpu_usage).median);
  EXPECT_TRUE(j["overhead"]["cpu_points"]["reached"].get<bool>());
  ASSERT_EQ(j["runs"].size(), 8u);
  EXPECT_EQ(j["runs"][0]["name"], "traced/run-001.json");
  Result back = result_from_json(j["runs"][2]["result"]);
  EXPECT_TRUE(back.disturbed);
  EXPECT_EQ(back.spans_sent, e.runs[2].result.spans_sent);
  EXPECT_TRUE(j["machine"].contains("host"));
}

TEST(Export, ManagerRewritesEveryFileWholeAndRefusesOneFileTwice) {
  auto dir = fs::temp_directory_path() / ("spanbench-export-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  ExportManager m;
  m.add(ExportFormat::markdown, dir / "sub/a.md");
  m.add(ExportFormat::csv, dir / "a.csv");
  m.add(ExportFormat::json, dir / "a.json");
  EXPECT_THROW(m.add(ExportFormat::csv, dir / "sub/../sub/a.md"), UsageError);
  RunSetExport e = sample_export();
  e.runs.resize(1);
  e.summary = summarize_runs(e.runs);
  m.write(e);
  EXPECT_EQ(nlohmann::json::parse(slurp(dir / "a.json"))["runs"].size(), 1u);
  e = sample_export();
  m.write(e);
  EXPECT_EQ(nlohmann::json::parse(slurp(dir / "a.json"))["runs"].size(), 8u);
  EXPECT_EQ(parse_csv(slurp(dir / "a.csv")).size(), 11u);
  EXPECT_NE(slurp(dir / "sub/a.md").find("traced/run-004.json"), std::string::npos);
  size_t files = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    EXPECT_NE(f.path().extension(), ".tmp") << f.path();  // nothing half-written left behind
    files += f.is_regular_file();
  }
  EXPECT_EQ(files, 3u);

  ExportManager blocked;
  std::ofstream(dir / "file") << "x";
  blocked.add(ExportFormat::json, dir / "file/under-a-file.json");
  EXPECT_THROW(blocked.write(e), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace spanbench
