#include "report/leaderboard.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_io.h"
#include "report/csv.h"
#include "report/html.h"

namespace spanbench {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("spanbench-leaderboard-test-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// One run's figures, as a sweep writes them (contract: the result
// document, its context and the "sweep" object).
struct RunSpec {
  std::string client = "cpp-mock";
  double rate = 1000;
  std::string mode = "untraced";  // untraced, typical, slow_fail, ...
  int repetition = 1;
  double cpu_usage = 0.10;
  double loop_cpu_seconds = 0.1;
  int64_t spans_sent = 1000;
  double spans_per_second = 1000;
  int64_t max_rss_bytes = 100 << 20;
  int64_t dropped = 0;
  std::string host = "box-a";
  bool disturbed = false;
  std::string error;               // non-empty: a failed run
  std::optional<double> p50, p99;  // export latency, seconds
  int64_t latency_spans = -1;      // -1: the field is absent (older files)
  std::string tracer_version;
};

void write_run(const fs::path& sweep, const RunSpec& s) {
  bool traced = s.mode != "untraced";
  nlohmann::json doc = {
      {"client", s.client},
      {"trace", traced},
      {"target_spans_per_second", s.rate},
      {"target_runtime", 1.0},
      {"spans_sent", s.spans_sent},
      {"spans_received", s.spans_sent - s.dropped},
      {"dropped_spans", s.dropped},
      {"cpu_usage", s.cpu_usage},
      {"loop_cpu_seconds", s.loop_cpu_seconds},
      {"loop_seconds", 1.0},
      {"spans_per_second", s.spans_per_second},
      {"max_rss_bytes", s.max_rss_bytes},
      {"satellites", traced ? s.mode : "none"},
      {"disturbed", s.disturbed},
      {"disturbance", s.disturbed ? "other processes used 1.2 cores" : ""},
      {"tracer_version", s.tracer_version},
      {"context", {{"host", s.host}, {"num_cpus", 2}}},
      {"sweep",
       {{"client", s.client},
        {"rate", s.rate},
        {"mode", traced ? s.mode : "none"},
        {"trace", traced},
        {"repetition", s.repetition},
        {"shard", "1/1"},
        {"plan_id", "abc123"}}},
  };
  if (s.latency_spans >= 0) {
    doc["export_latency_spans"] = s.latency_spans;
    doc["export_latency_p50_seconds"] = s.p50 ? nlohmann::json(*s.p50) : nlohmann::json(nullptr);
    doc["export_latency_p99_seconds"] = s.p99 ? nlohmann::json(*s.p99) : nlohmann::json(nullptr);
  }
  if (!s.error.empty()) doc["error"] = s.error;
  auto file = sweep / "runs" / s.client / fmt::format("{:g}", s.rate) / s.mode /
              fmt::format("run-{:03}.json", s.repetition);
  fs::create_directories(file.parent_path());
  write_file_atomically(file, doc.dump(2));
}

void write_plan(const fs::path& sweep, const std::vector<std::string>& groups) {
  nlohmann::json plan = {{"format", "spanbench-sweep/1"},
                         {"definition", {{"clients", {"a"}}, {"rates", {100, 1000}}}},
                         {"plan_id", "abc123"},
                         {"shard", {{"index", 1}, {"count", 1}}},
                         {"groups", groups}};
  write_file_atomically(sweep / "plan.json", plan.dump(2));
}

// `n` untraced and `n` healthy traced runs of a group with a known
// overhead: +`points` of CPU share and +`ns` of CPU per span (the runs of
// each side spread by the same steps, so the shift is exactly that), 10
// MiB more peak RSS, and `dropped` spans dropped in each traced run.
void write_group(const fs::path& sweep, const std::string& client, double rate, double points,
                 double ns, int64_t dropped, const std::string& host, int n = 5,
                 std::function<void(RunSpec&)> tweak = nullptr) {
  for (int i = 1; i <= n; ++i) {
    RunSpec u;
    u.client = client;
    u.rate = rate;
    u.repetition = i;
    u.host = host;
    u.spans_sent = int64_t(rate);
    u.spans_per_second = rate;
    u.cpu_usage = 0.10 + i * 0.001;
    u.loop_cpu_seconds = (50000.0 + i * 100) * 1e-9 * double(u.spans_sent);
    RunSpec t = u;
    t.mode = "typical";
    t.cpu_usage = u.cpu_usage + points / 100;
    t.loop_cpu_seconds = (50000.0 + i * 100 + ns) * 1e-9 * double(u.spans_sent);
    t.max_rss_bytes = u.max_rss_bytes + (10 << 20);
    t.dropped = dropped;
    if (tweak) tweak(t);
    write_run(sweep, u);
    write_run(sweep, t);
  }
}

const LeaderboardRow* find_row(const LeaderboardTable& t, const std::string& client) {
  for (const auto& r : t.rows) {
    if (r.client == client) return &r;
  }
  return nullptr;
}

TEST(Leaderboard, OneTablePerRateARowPerClientWithOverheadIntervals) {
  auto dir = fresh_dir("rows");
  write_plan(dir, {"a@100", "a@1000", "b@100", "b@1000"});
  write_group(dir, "a", 100, 5.0, 2000, 0, "box-a");
  write_group(dir, "b", 100, 1.0, 500, 0, "box-a");
  write_group(dir, "a", 1000, 8.0, 3000, 0, "box-a");
  write_group(dir, "b", 1000, 2.0, 800, 0, "box-a");

  Leaderboard b = read_leaderboard(dir);
  ASSERT_EQ(b.tables.size(), 2u);
  EXPECT_EQ(b.tables[0].rate, 100);
  EXPECT_EQ(b.tables[1].rate, 1000);
  EXPECT_EQ(b.runs_read, 40u);
  EXPECT_EQ(b.failed_runs, 0u);
  EXPECT_EQ(b.plan_id, "abc123");
  EXPECT_TRUE(b.missing_groups.empty());
  EXPECT_TRUE(b.warnings.empty()) << b.warnings.front();
  for (const auto& t : b.tables) {
    ASSERT_EQ(t.rows.size(), 2u);
    // Best first: b costs less per span at both rates.
    EXPECT_EQ(t.rows[0].client, "b");
    EXPECT_EQ(t.rows[1].client, "a");
    EXPECT_TRUE(t.warnings.empty());
  }
  const LeaderboardRow& a = *find_row(b.tables[1], "a");
  EXPECT_EQ(a.status, "overhead") << a.status_text;
  ASSERT_TRUE(a.cpu_points.defined);
  EXPECT_NEAR(a.cpu_points.estimate, 8.0, 1e-9);
  EXPECT_LT(a.cpu_points.low, 8.0);
  EXPECT_GT(a.cpu_points.high, 8.0);
  EXPECT_TRUE(a.cpu_points.reached);  // 5 against 5 reaches 95%
  ASSERT_TRUE(a.cpu_ns_per_span.defined);
  EXPECT_NEAR(a.cpu_ns_per_span.estimate, 3000, 1e-6);
  EXPECT_LT(a.cpu_ns_per_span.low, 3000);
  EXPECT_GT(a.cpu_ns_per_span.high, 3000);
  EXPECT_DOUBLE_EQ(a.spans_per_second, 1000);
  EXPECT_DOUBLE_EQ(a.rss_overhead_bytes, 10 << 20);
  EXPECT_EQ(a.dropped_healthy, 0.0);
  EXPECT_EQ(a.runs_by_mode.at("untraced"), 5u);
  EXPECT_EQ(a.runs_by_mode.at("typical"), 5u);
  EXPECT_EQ(a.machine, "box-a");
  EXPECT_FALSE(a.mixed_machines());
  EXPECT_EQ(a.tracer, "a");  // no tracer_version, no registry description
  EXPECT_EQ(a.tracer_source, "client");

  std::string console = format_leaderboard_console(b);
  EXPECT_NE(console.find("1,000 spans/s (2 clients)"), std::string::npos) << console;
  EXPECT_NE(console.find("+8.00 [+"), std::string::npos) << console;
  EXPECT_NE(console.find("+3,000 [+"), std::string::npos) << console;
  EXPECT_NE(console.find("+10.0"), std::string::npos) << console;  // MiB of RSS
  // Columns line up: every line of a table is as long as its header, or shorter.
  std::string md = format_leaderboard_markdown(b);
  EXPECT_NE(md.find("## 100 spans/s"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | b |"), std::string::npos) << md;
}

TEST(Leaderboard, RegistryDescriptionOrTracerVersionNamesTheTracer) {
  auto dir = fresh_dir("tracer");
  write_group(dir, "a", 100, 5.0, 2000, 0, "box-a", 3,
              [](RunSpec& t) { t.tracer_version = "dd-opentracing-cpp 1.3.7"; });
  write_group(dir, "b", 100, 1.0, 500, 0, "box-a", 3);
  write_group(dir, "c", 100, 1.0, 500, 0, "box-a", 3);
  // The untraced runs' version is the no-op tracer's: the traced runs' wins.
  RunSpec noop;
  noop.client = "a";
  noop.rate = 100;
  noop.repetition = 4;
  noop.tracer_version = "noop 0.0";
  write_run(dir, noop);
  LeaderboardOptions o;
  o.tracer_descriptions = {{"a", "ignored: the runs say"}, {"b", "C++ client, mock tracer"}};
  Leaderboard b = read_leaderboard(dir, o);
  ASSERT_EQ(b.tables.size(), 1u);
  EXPECT_EQ(find_row(b.tables[0], "a")->tracer, "dd-opentracing-cpp 1.3.7");
  EXPECT_EQ(find_row(b.tables[0], "a")->tracer_source, "tracer_version");
  EXPECT_EQ(find_row(b.tables[0], "b")->tracer, "C++ client, mock tracer");
  EXPECT_EQ(find_row(b.tables[0], "b")->tracer_source, "registry");
  EXPECT_EQ(find_row(b.tables[0], "c")->tracer, "c");
  // 3 against 3 cannot reach 95%: the cell says which confidence it has.
  EXPECT_FALSE(find_row(b.tables[0], "a")->cpu_points.reached);
  EXPECT_NE(format_leaderboard_console(b).find("%)"), std::string::npos);
}

TEST(Leaderboard, ExportLatencyIsTheMedianOfRunPercentilesOrADash) {
  auto dir = fresh_dir("latency");
  int k = 0;
  write_group(dir, "zipkin", 1000, 5.0, 2000, 0, "box-a", 5, [&](RunSpec& t) {
    ++k;
    t.latency_spans = 900;
    t.p50 = 0.010 * k;  // 10, 20, 30, 40, 50 ms: median 30 ms
    t.p99 = 0.100 * k;  // median 300 ms
  });
  // A wire format without timestamps: the spans field is 0.
  write_group(dir, "lightstep", 1000, 1.0, 500, 0, "box-a", 5,
              [](RunSpec& t) { t.latency_spans = 0; });
  // Results from before export latency was measured: no field at all.
  write_group(dir, "old", 1000, 1.0, 400, 0, "box-a", 5);
  Leaderboard b = read_leaderboard(dir);
  ASSERT_EQ(b.tables.size(), 1u);
  const auto& z = *find_row(b.tables[0], "zipkin");
  ASSERT_TRUE(z.export_latency_p50_seconds.has_value());
  EXPECT_NEAR(*z.export_latency_p50_seconds, 0.030, 1e-12);
  EXPECT_NEAR(*z.export_latency_p99_seconds, 0.300, 1e-12);
  EXPECT_EQ(z.export_latency_runs, 5u);
  EXPECT_FALSE(find_row(b.tables[0], "lightstep")->export_latency_p50_seconds.has_value());
  EXPECT_FALSE(find_row(b.tables[0], "old")->export_latency_p99_seconds.has_value());

  std::string console = format_leaderboard_console(b);
  EXPECT_NE(console.find("30 ms"), std::string::npos) << console;
  EXPECT_NE(console.find("300 ms"), std::string::npos) << console;
  auto json = leaderboard_json(b);
  for (const auto& row : json["tables"][0]["rows"]) {
    if (row["client"] == "zipkin") {
      EXPECT_NEAR(row["export_latency_p50_seconds"].get<double>(), 0.030, 1e-12);
    } else {
      EXPECT_TRUE(row["export_latency_p50_seconds"].is_null()) << row.dump();
      EXPECT_TRUE(row["export_latency_p99_seconds"].is_null()) << row.dump();
    }
  }
  // In the Markdown the two clients without timestamps show "-" in both
  // latency columns: the row ends "| - | - | box-a | 0 | 0 |  |".
  std::string md = format_leaderboard_markdown(b);
  size_t dashes = 0;
  for (size_t p = md.find("| - | - | box-a |"); p != std::string::npos;
       p = md.find("| - | - | box-a |", p + 1)) {
    ++dashes;
  }
  EXPECT_EQ(dashes, 2u) << md;
}

TEST(Leaderboard, HighestRateHeldNeedsTheRateAndNoDropWithHealthySatellites) {
  auto dir = fresh_dir("held");
  for (double rate : {100.0, 1000.0, 10000.0}) {
    write_group(dir, "fast", rate, 1.0, 500, 0, "box-a");
    // Drops spans from 1000 spans/s up: held at 100 only.
    write_group(dir, "dropper", rate, 1.0, 500, rate >= 1000 ? 7 : 0, "box-a");
  }
  // Misses the rate at 10000 (traced reaches 80%): held up to 1000.
  for (double rate : {100.0, 1000.0, 10000.0}) {
    write_group(dir, "slow", rate, 2.0, 800, 0, "box-a", 5, [rate](RunSpec& t) {
      if (rate == 10000) t.spans_per_second = rate * 0.8;
    });
  }
  // Never held: drops at every rate.
  write_group(dir, "never", 100, 1.0, 500, 3, "box-a");

  Leaderboard b = read_leaderboard(dir);
  ASSERT_EQ(b.tables.size(), 3u);
  EXPECT_EQ(b.highest_rate_held.at("fast"), 10000.0);
  EXPECT_EQ(b.highest_rate_held.at("dropper"), 100.0);
  EXPECT_EQ(b.highest_rate_held.at("slow"), 1000.0);
  EXPECT_FALSE(b.highest_rate_held.at("never").has_value());
  const auto& slow = *find_row(b.tables[2], "slow");
  EXPECT_FALSE(slow.rate_held);
  EXPECT_FALSE(slow.held);
  EXPECT_EQ(slow.status, "rate_not_held");
  EXPECT_EQ(slow.highest_rate_held, 1000.0);          // the client's figure, in each of its rows
  EXPECT_EQ(b.tables[2].rows.back().client, "slow");  // not an overhead: after the others
  const auto& dropper = *find_row(b.tables[1], "dropper");
  EXPECT_EQ(dropper.dropped_healthy, 7.0);
  EXPECT_EQ(dropper.dropped_healthy_total, 35);
  EXPECT_TRUE(dropper.rate_held);
  EXPECT_FALSE(dropper.held);
  std::string console = format_leaderboard_console(b);
  EXPECT_NE(console.find("none"), std::string::npos);  // never's "held up to"

  auto csv = parse_csv(format_leaderboard_csv(b));
  ASSERT_EQ(csv.size(), 1u + 3 + 3 + 3 + 1);
  auto col = [&](const std::string& name) {
    auto it = std::find(csv[0].begin(), csv[0].end(), name);
    EXPECT_NE(it, csv[0].end()) << name;
    return size_t(it - csv[0].begin());
  };
  for (size_t i = 1; i < csv.size(); ++i) {
    const auto& row = csv[i];
    if (row[col("client")] == "dropper") {
      EXPECT_EQ(row[col("highest_rate_held")], "100");
    }
    if (row[col("client")] == "never") {
      EXPECT_EQ(row[col("highest_rate_held")], "");
    }
    EXPECT_EQ(row.size(), csv[0].size());
  }
}

TEST(Leaderboard, FailingModesFailedAndDisturbedRunsAreCounted) {
  auto dir = fresh_dir("modes");
  write_group(dir, "a", 1000, 5.0, 2000, 0, "box-a");
  for (int i = 1; i <= 3; ++i) {
    RunSpec s;
    s.client = "a";
    s.mode = "slow_fail";
    s.repetition = i;
    s.dropped = 100 * i;  // median 200
    write_run(dir, s);
  }
  RunSpec failed;
  failed.client = "a";
  failed.mode = "typical";
  failed.repetition = 6;
  failed.error = "the client exited with 1";
  write_run(dir, failed);
  RunSpec disturbed;
  disturbed.client = "a";
  disturbed.mode = "untraced";
  disturbed.repetition = 6;
  disturbed.disturbed = true;
  write_run(dir, disturbed);
  // Not JSON at all.
  write_file_atomically(dir / "runs/a/1000/typical/run-007.json", "{ cut short");

  Leaderboard b = read_leaderboard(dir);
  ASSERT_EQ(b.tables.size(), 1u);
  const auto& a = b.tables[0].rows.at(0);
  EXPECT_EQ(b.modes, std::vector<std::string>{"slow_fail"});
  EXPECT_EQ(a.dropped_by_mode.at("slow_fail"), 200.0);
  EXPECT_EQ(a.failed_runs, 2u);  // the error and the unreadable file
  EXPECT_EQ(a.disturbed_runs, 1u);
  EXPECT_EQ(a.status, "noisy");
  EXPECT_TRUE(a.cpu_points.defined);  // the figures are there; the note says noisy
  EXPECT_EQ(a.runs_by_mode.at("typical"), 5u);
  EXPECT_EQ(a.runs_by_mode.at("untraced"), 6u);
  EXPECT_EQ(a.runs_by_mode.at("slow_fail"), 3u);
  EXPECT_EQ(b.failed_runs, 2u);
  EXPECT_EQ(b.runs_read, 14u);
  std::string console = format_leaderboard_console(b);
  EXPECT_NE(console.find("dropped slow_fail"), std::string::npos) << console;
  EXPECT_NE(console.find("noisy"), std::string::npos) << console;
  EXPECT_NE(console.find("run-007.json is not a readable result file"), std::string::npos)
      << console;
}

TEST(Leaderboard, WarnsWhenRowsComeFromDifferentMachinesAndLoudlyWhenAGroupMixesThem) {
  auto dir = fresh_dir("machines");
  write_group(dir, "a", 1000, 5.0, 2000, 0, "box-a");
  write_group(dir, "b", 1000, 1.0, 500, 0, "box-b");
  Leaderboard b = read_leaderboard(dir);
  ASSERT_EQ(b.tables.size(), 1u);
  EXPECT_EQ(find_row(b.tables[0], "a")->machine, "box-a");
  EXPECT_EQ(find_row(b.tables[0], "b")->machine, "box-b");
  ASSERT_EQ(b.tables[0].warnings.size(), 1u);
  EXPECT_NE(b.tables[0].warnings[0].find("different machines (box-a: 1 row, box-b: 1 row)"),
            std::string::npos)
      << b.tables[0].warnings[0];
  EXPECT_EQ(b.machines, (std::vector<std::string>{"box-a", "box-b"}));

  // One group's traced runs on another machine than its untraced runs.
  auto mixed = fresh_dir("mixed");
  write_group(mixed, "a", 1000, 5.0, 2000, 0, "box-a", 5, [](RunSpec& t) { t.host = "box-b"; });
  Leaderboard m = read_leaderboard(mixed);
  const auto& row = m.tables.at(0).rows.at(0);
  EXPECT_TRUE(row.mixed_machines());
  ASSERT_FALSE(m.tables[0].warnings.empty());
  EXPECT_EQ(m.tables[0].warnings[0].rfind("MIXED MACHINES: a at 1,000 spans/s", 0), 0u)
      << m.tables[0].warnings[0];
  bool at_top = false;
  for (const auto& w : m.warnings) at_top = at_top || w.rfind("MIXED MACHINES", 0) == 0;
  EXPECT_TRUE(at_top);
  std::string console = format_leaderboard_console(m);
  EXPECT_NE(console.find("WARNING: MIXED MACHINES"), std::string::npos) << console;
  EXPECT_NE(console.find("MIXED: box-a, box-b"), std::string::npos) << console;
  EXPECT_TRUE(leaderboard_json(m)["tables"][0]["rows"][0]["mixed_machines"].get<bool>());
}

TEST(Leaderboard, FilesAreWrittenAndTheJsonFollowsItsSchema) {
  auto dir = fresh_dir("files");
  write_plan(dir, {"a@1000", "b@1000"});
  write_group(dir, "a", 1000, 5.0, 2000, 0, "box-a");
  write_leaderboard_files(read_leaderboard(dir), dir);
  for (const char* f : {"leaderboard.json", "leaderboard.md", "leaderboard.csv"}) {
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  }
  auto j = nlohmann::json::parse(read_file(dir / "leaderboard.json"));
  EXPECT_EQ(j["format"], "spanbench-leaderboard/1");
  EXPECT_EQ(j["sweep"]["plan_id"], "abc123");
  EXPECT_EQ(j["missing_groups"], nlohmann::json::array({"b@1000"}));
  const auto& row = j["tables"][0]["rows"][0];
  for (const char* key :
       {"rank", "client", "tracer", "status", "cpu_points", "cpu_ns_per_span", "spans_per_second",
        "rss_overhead_bytes", "dropped_healthy_median", "dropped_median_by_mode", "held",
        "highest_rate_held", "export_latency_p50_seconds", "export_latency_p99_seconds", "machine",
        "runs", "disturbed_runs", "failed_runs"}) {
    EXPECT_TRUE(row.contains(key)) << key;
  }
  EXPECT_NEAR(row["cpu_points"]["estimate"].get<double>(), 5.0, 1e-9);
  EXPECT_LT(row["cpu_points"]["low"].get<double>(), row["cpu_points"]["high"].get<double>());
  EXPECT_EQ(row["runs"]["typical"], 5);
  // The files of the folder are themselves not runs: reading again gives the same.
  EXPECT_EQ(leaderboard_json(read_leaderboard(dir)), j);
  auto csv = read_csv_file(dir / "leaderboard.csv");
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_EQ(csv[1][2], "a");
}

TEST(Leaderboard, AMergedFolderSaysItIsMergedAndWhatItLacks) {
  auto dir = fresh_dir("merged");
  write_group(dir, "a", 1000, 5.0, 2000, 0, "box-a", 3);
  nlohmann::json plan = {{"format", "spanbench-sweep/1"},
                         {"plan_id", "abc123"},
                         {"merged", true},
                         {"shard", {{"merged", true}, {"count", 3}}},
                         {"groups", {"a@1000"}},
                         {"missing", {"shard 3/3"}}};
  write_file_atomically(dir / "plan.json", plan.dump());
  Leaderboard b = read_leaderboard(dir);
  EXPECT_NE(leaderboard_description(b).find("merged from 3 shards"), std::string::npos)
      << leaderboard_description(b);
  ASSERT_FALSE(b.warnings.empty());
  EXPECT_EQ(b.warnings[0], "merged without some parts: shard 3/3");
}

TEST(Leaderboard, RefusesAFolderThatIsNotASweep) {
  auto dir = fresh_dir("not-a-sweep");
  EXPECT_THROW(read_leaderboard(dir), UsageError);
  EXPECT_THROW(read_leaderboard(dir / "absent"), UsageError);
  write_file_atomically(dir / "plan.json", R"({"format": "something-else"})");
  EXPECT_THROW(read_leaderboard(dir), UsageError);
}

TEST(Leaderboard, FindsTheSweepFolderInsideAResultsFolder) {
  auto dir = fresh_dir("find");
  EXPECT_FALSE(find_sweep_folder(dir).has_value());
  write_plan(dir / "results" / "sweep", {});
  EXPECT_EQ(find_sweep_folder(dir), dir / "results" / "sweep");
  EXPECT_EQ(find_sweep_folder(dir / "results" / "sweep"), dir / "results" / "sweep");
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(LeaderboardHtml, TheReportOfAFolderHoldingASweepLeadsWithItsTablesAndAGraphPerRate) {
  auto dir = fresh_dir("html");
  auto sweep = dir / "results" / "sweep";
  write_plan(sweep, {"a@100", "a@1000", "b@100", "b@1000"});
  write_group(sweep, "a", 100, 5.0, 2000, 0, "box-a");
  write_group(sweep, "b", 100, 1.0, 500, 0, "box-a");
  write_group(sweep, "a", 1000, 8.0, 3000, 0, "box-a");
  // b at 1000 measured elsewhere: the table says so.
  write_group(sweep, "b", 1000, 2.0, 800, 0, "box-b");
  ReportContext context = current_report_context();
  context.tracer_descriptions = {{"a", "the A tracer 1.0"}};
  std::string html = html_report(dir, context);
  EXPECT_NE(html.find("<h2>Leaderboard</h2>"), std::string::npos);
  EXPECT_LT(html.find("<h2>Leaderboard</h2>"), html.find("<h2>Result sets</h2>"));
  EXPECT_NE(html.find("<h3 id=\"leaderboard-100\">100 spans/s</h3>"), std::string::npos);
  EXPECT_NE(html.find("<h3 id=\"leaderboard-1000\">1,000 spans/s</h3>"), std::string::npos);
  EXPECT_EQ(count(html, "<table class=\"leaderboard\">"), 2u);
  EXPECT_NE(html.find("the A tracer 1.0"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"warning\">rows measured on different machines (box-a: 1 row, "
                      "box-b: 1 row)"),
            std::string::npos);
  // The intervals, with the non-breaking space that keeps each whole.
  EXPECT_NE(html.find("+8.00 [+7.70,\u00a0+8.30]"), std::string::npos);
  // A graph per rate (SVG by gnuplot, inlined), counted by the page's image check.
  EXPECT_EQ(count(html, "<img alt=\"CPU per span at "), 2u);
  EXPECT_NE(html.find("data-images=\"2\""), std::string::npos);
  // The sweep's 8 result sets (2 clients x 2 rates x 2 modes) folded under one line.
  EXPECT_NE(html.find("the sweep's 8 result sets"), std::string::npos);
}

}  // namespace
}  // namespace spanbench
