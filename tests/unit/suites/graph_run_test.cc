// measure_graph over a fake runner: the sweep each graph plans, the CSV row
// each run adds, the disconnect series' own satellites, and a failed run
// that keeps every finished row.
#include <gtest/gtest.h>

#include "fake_runner.h"
#include "report/csv.h"
#include "suites/graph.h"

namespace spanbench {
namespace {

using testing::clean_result;
using testing::FakeRunner;
using testing::fresh_dir;
using testing::read_json;

GraphOptions graph(GraphKind kind, std::vector<double> rates, int trials) {
  GraphOptions o;
  o.kind = kind;
  o.client = "fake-otlp";
  o.rates = std::move(rates);
  o.trials = trials;
  o.runtime_seconds = 2;
  o.out_dir = fresh_dir();
  return o;
}

TEST(GraphRun, CpuRunsTracedThenUntracedPerRateAndTrialOneRowEach) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int) {
    Result r = clean_result(o);
    r.cpu_usage = o.trace ? 0.75 : 0.7;
    return r;
  };
  GraphOptions o = graph(GraphKind::kCpu, {100, 1000}, 2);
  std::vector<GraphProgress> progress;
  GraphFiles f = measure_graph(runner, o, [&](const GraphProgress& p) { progress.push_back(p); });

  ASSERT_EQ(runner.runs.size(), 8u);
  std::vector<std::pair<double, bool>> asked;
  for (const auto& r : runner.runs) asked.push_back({r.spans_per_second, r.trace});
  std::vector<std::pair<double, bool>> want = {{100, true},   {100, false}, {1000, true},
                                               {1000, false}, {100, true},  {100, false},
                                               {1000, true},  {1000, false}};
  EXPECT_EQ(asked, want);
  EXPECT_EQ(f.runs, 8);
  EXPECT_EQ(f.csv_rows, 8u);

  auto rows = read_csv_file(o.out_dir / "cpu.csv");
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[0][0], "target_spans_per_second");
  Result untraced = clean_result(runner.runs[1]);
  EXPECT_EQ(rows[2],
            (CsvRow{"100", "false", "1", csv_number(0.7), csv_number(untraced.program_time),
                    csv_number(untraced.clock_time), "200", "0", "0", std::to_string(16 << 20)}));
  EXPECT_EQ(rows[7][1], "true");
  EXPECT_EQ(rows[7][2], "2");
  EXPECT_EQ(rows[7][3], csv_number(0.75));

  // Progress before each run, then once for the drawing, with no ETA left.
  ASSERT_EQ(progress.size(), 9u);
  EXPECT_EQ(progress[0].run, 1);
  EXPECT_EQ(progress[0].runs, 8);
  EXPECT_EQ(progress[0].label, "cpu: traced 100 spans/s (trial 1/2)");
  EXPECT_EQ(progress[8].run, 9);
  EXPECT_EQ(progress[8].label, "drawing cpu graph");
  EXPECT_EQ(progress[8].eta_seconds, 0);
  // One set of satellites for the sweep.
  EXPECT_EQ(runner.satellite_starts.size(), 1u);
}

TEST(GraphRun, DroppedHasTheDroppedShareOfEachTracedRun) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int) {
    Result r = clean_result(o);
    r.dropped_spans = r.spans_sent / 4;
    r.spans_received -= r.dropped_spans;
    return r;
  };
  GraphOptions o = graph(GraphKind::kDropped, {500, 5000}, 1);
  measure_graph(runner, o);
  EXPECT_EQ(runner.runs.size(), 2u);
  for (const auto& r : runner.runs) EXPECT_TRUE(r.trace);
  auto rows = read_csv_file(o.out_dir / "dropped.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2][0], "5000");
  EXPECT_EQ(rows[2][3], csv_number(25.0));  // dropped_percent
  EXPECT_EQ(rows[2][4], "10000");           // spans_sent
  EXPECT_EQ(rows[2][5], "7500");            // spans_received
}

TEST(GraphRun, MemoryHasARowPerRssSampleOrThePeakOfAShortRun) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int) {
    Result r = clean_result(o);
    if (o.spans_per_second == 100) r.memory_list = {1000, 2000, 3000};
    return r;
  };
  GraphOptions o = graph(GraphKind::kMemory, {100, 500}, 1);
  measure_graph(runner, o);
  auto rows = read_csv_file(o.out_dir / "memory.csv");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[1], (CsvRow{"100", "1", "1", "1000"}));
  EXPECT_EQ(rows[3], (CsvRow{"100", "1", "3", "3000"}));
  // No sample: the peak, at the run's end.
  EXPECT_EQ(rows[4], (CsvRow{"500", "1", csv_number(clean_result(runner.runs[1]).clock_time),
                             std::to_string(16 << 20)}));
}

TEST(GraphRun, DisconnectRunsFourSeriesEachWithItsOwnSatelliteSchedule) {
  FakeRunner runner;
  GraphOptions o = graph(GraphKind::kDisconnect, {}, 1);
  o.runtime_seconds = 10;
  o.down_at_seconds = 3;
  o.up_at_seconds = 6.5;
  o.disconnect_spans_per_second = 250;
  measure_graph(runner, o);

  ASSERT_EQ(runner.runs.size(), 4u);
  ASSERT_EQ(runner.satellite_starts.size(), 4u);
  using ms = std::chrono::milliseconds;
  EXPECT_FALSE(runner.satellite_starts[1].outage.down_at);
  EXPECT_EQ(runner.satellite_starts[2].outage.down_at, ms(3000));
  EXPECT_FALSE(runner.satellite_starts[2].outage.up_at);
  EXPECT_EQ(runner.satellite_starts[3].outage.up_at, ms(6500));
  std::vector<std::string> labels;
  for (const auto& r : runner.runs) {
    labels.push_back(r.sink_label);
    EXPECT_EQ(r.spans_per_second, 250);
    EXPECT_EQ(r.timeout_factor, 3);
  }
  EXPECT_EQ(labels,
            (std::vector<std::string>{"noop", "tracer", "down-at-3s", "down-at-3s-up-at-6.5s"}));
  EXPECT_FALSE(runner.runs[0].trace);
  EXPECT_TRUE(runner.runs[1].trace);
  auto rows = read_csv_file(o.out_dir / "disconnect.csv");
  ASSERT_EQ(rows.size(), 5u);  // no RSS samples: one peak row per run
  EXPECT_EQ(rows[4][0], "down-at-3s-up-at-6.5s");
}

TEST(GraphRun, DisconnectOfAClientThatReportsNowhereRunsWithoutSatellites) {
  FakeRunner runner;
  GraphOptions o = graph(GraphKind::kDisconnect, {}, 1);
  o.client = "fake-noop";
  o.runtime_seconds = 10;
  o.down_at_seconds = 3;
  o.up_at_seconds = 6;
  measure_graph(runner, o);
  for (const auto& r : runner.runs) {
    EXPECT_EQ(r.sink, nullptr);
    EXPECT_EQ(r.sink_label, "none");
  }
}

TEST(GraphRun, AFailedRunKeepsTheFinishedRowsAndLeavesItsPartialResult) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int n) {
    if (n == 3) testing::fail_run(o, "client was killed by signal 9");
    return clean_result(o);
  };
  GraphOptions o = graph(GraphKind::kCpu, {100, 1000}, 1);
  EXPECT_THROW(measure_graph(runner, o), RunFailed);
  EXPECT_EQ(read_csv_file(o.out_dir / "cpu.csv").size(), 3u);  // header + 2 runs
  auto failed = read_json(o.out_dir / "cpu-failed-run.json");
  EXPECT_EQ(failed["error"], "client was killed by signal 9");
  EXPECT_EQ(failed["graph_run"], "cpu: traced 1000 spans/s (trial 1/1)");
}

TEST(GraphRun, ADisconnectScheduleOutsideTheRunIsRefusedBeforeAnyRun) {
  FakeRunner runner;
  GraphOptions o = graph(GraphKind::kDisconnect, {}, 1);
  o.runtime_seconds = 10;
  o.down_at_seconds = 3;
  o.up_at_seconds = 12;
  EXPECT_THROW(measure_graph(runner, o), UsageError);
  o.up_at_seconds = 2;
  EXPECT_THROW(measure_graph(runner, o), UsageError);
  EXPECT_TRUE(runner.runs.empty());
}

TEST(GraphRun, DefaultsFillWhatTheOptionsLeaveOpen) {
  FakeRunner runner;
  GraphOptions o = graph(GraphKind::kDropped, {}, 0);
  o.runtime_seconds = 0;
  measure_graph(runner, o);
  GraphOptions d = default_graph_options(GraphKind::kDropped);
  EXPECT_EQ(runner.runs.size(), d.rates.size() * size_t(d.trials));
  EXPECT_EQ(runner.runs[0].runtime_seconds, d.runtime_seconds);
}

}  // namespace
}  // namespace spanbench
