// The run-and-record helper every suite and `spanbench run` share: each
// result on disk as soon as its run ends, a failed run's partial result
// with its error, the satellites started once for the client's protocol.
#include "suites/runner.h"

#include <gtest/gtest.h>

#include "fake_runner.h"

namespace spanbench {
namespace {

using testing::FakeRunner;
using testing::fresh_dir;
using testing::read_json;

TEST(RunAndRecord, WritesTheResultDocumentAsTheRunEnds) {
  FakeRunner runner;
  RunRecorder recorder(runner, "fake-otlp", "typical", {});
  RunOptions o = recorder.options();
  o.spans_per_second = 500;
  o.runtime_seconds = 2;
  auto file = fresh_dir() / "sub" / "run.json";
  Result r = recorder.run(o, {file});
  EXPECT_EQ(r.spans_sent, 1000);
  auto doc = read_json(file);
  EXPECT_EQ(doc["client"], "fake-otlp");
  EXPECT_EQ(doc["spans_sent"], 1000);
  EXPECT_EQ(doc["satellites"], "typical");
  EXPECT_EQ(doc["calibration"]["client"], "fake-otlp");
  EXPECT_FALSE(doc.contains("error"));
}

TEST(RunAndRecord, FailedRunLeavesItsPartialResultWithTheErrorAndRethrows) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int) -> Result { testing::fail_run(o, "client hung"); };
  RunOptions o;
  o.client = "fake-otlp";
  o.spans_per_second = 100;
  o.runtime_seconds = 4;
  auto file = fresh_dir() / "failed.json";
  RecordTo to{file, false, {{"graph_run", "cpu: traced 100 spans/s"}}};
  try {
    run_and_record(runner, o, to);
    FAIL() << "the RunFailed was swallowed";
  } catch (const RunFailed& e) {
    EXPECT_STREQ(e.what(), "client hung");
  }
  auto doc = read_json(file);
  EXPECT_EQ(doc["error"], "client hung");
  EXPECT_EQ(doc["spans_sent"], 200);  // the partial result, not a blank one
  EXPECT_EQ(doc["graph_run"], "cpu: traced 100 spans/s");
}

TEST(RunAndRecord, FailuresOnlyWritesNothingForAGoodRun) {
  FakeRunner runner;
  RunOptions o;
  o.client = "fake-otlp";
  auto file = fresh_dir() / "failed.json";
  run_and_record(runner, o, {file, /*failures_only=*/true});
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(runner.runs.size(), 1u);
}

TEST(RunAndRecord, NoFileStillRethrows) {
  FakeRunner runner;
  runner.script = [](const RunOptions& o, int) -> Result { testing::fail_run(o, "exit 1"); };
  RunOptions o;
  o.client = "fake-otlp";
  EXPECT_THROW(run_and_record(runner, o), RunFailed);
}

TEST(RunRecorder, StartsTheSatellitesOnceAndPointsEveryRunAtThem) {
  FakeRunner runner;
  RunRecorder recorder(runner, "fake-otlp", "slow_fail", {9100, 9101});
  ASSERT_EQ(runner.satellite_starts.size(), 1u);
  EXPECT_EQ(runner.satellite_starts[0].mode, "slow_fail");
  EXPECT_EQ(runner.satellite_starts[0].client, "fake-otlp");
  RunOptions o = recorder.options();
  EXPECT_EQ(o.client, "fake-otlp");
  EXPECT_EQ(o.sink, recorder.satellites().sink.get());
  EXPECT_NE(o.sink, nullptr);
  EXPECT_EQ(o.sink_label, "slow_fail");
  EXPECT_EQ(o.satellite_ports, (std::vector<uint16_t>{9100, 9101}));
  recorder.run(o);
  recorder.run(o);
  EXPECT_EQ(runner.satellite_starts.size(), 1u);
  EXPECT_EQ(runner.runs.size(), 2u);
}

TEST(RunRecorder, AClientThatReportsNowhereRunsWithoutSatellitesOnTheDefaultPorts) {
  FakeRunner runner;
  RunRecorder recorder(runner, "fake-noop", "typical", {9100});
  RunOptions o = recorder.options();
  EXPECT_EQ(o.sink, nullptr);
  EXPECT_EQ(o.sink_label, "none");
  EXPECT_EQ(o.satellite_ports, RunOptions{}.satellite_ports);
}

TEST(RunRecorder, UnknownClientIsAUsageErrorBeforeAnySatelliteStarts) {
  FakeRunner runner;
  EXPECT_THROW(RunRecorder(runner, "nope", "typical", {}), UsageError);
  EXPECT_TRUE(runner.satellite_starts.empty());
}

}  // namespace
}  // namespace spanbench
