// run_sweep over a fake runner and a scripted backend: the runs of each
// group in order on disk with their "sweep" object, one calibration per
// group kept in its folder, failures recorded and passed, a stop that keeps
// what finished, and --resume that redoes only what did not.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "fake_runner.h"
#include "suites/sweep.h"

namespace spanbench {
namespace {

namespace fs = std::filesystem;
using testing::clean_result;
using testing::FakeRunner;
using testing::fresh_dir;
using testing::read_json;

// The fake runner's runs, planned from the group's calibration; as the
// Controller, a run at a rate the calibration has no fit for makes one.
class GroupRunner : public Runner {
 public:
  GroupRunner(FakeRunner& runner, Calibration& calibration, std::vector<std::string>& fitted)
      : runner_(runner), calibration_(calibration), fitted_(fitted) {}
  const ClientEntry& client(const std::string& name) const override { return runner_.client(name); }
  RunSatellites start_satellites(const std::string& mode, const ClientEntry& client,
                                 const std::vector<uint16_t>& ports,
                                 const SatelliteOutage& outage) override {
    return runner_.start_satellites(mode, client, ports, outage);
  }
  Result run(const RunOptions& options) override {
    if (!calibration_.fit_for(options.spans_per_second)) {
      fitted_.push_back(calibration_.client + "@" + sweep_rate_text(options.spans_per_second));
      RateFit f;
      f.spans_per_second = options.spans_per_second;
      f.converged = true;
      calibration_.rates.push_back(f);
    }
    return runner_.run(options);
  }
  const Calibration& calibration() const override { return calibration_; }
  bool stop_requested() const override { return runner_.stop_requested(); }

 private:
  FakeRunner& runner_;
  Calibration& calibration_;
  std::vector<std::string>& fitted_;
};

class FakeSweepBackend : public SweepBackend {
 public:
  FakeRunner fake;
  std::map<std::string, std::string> unready;  // client -> why
  std::vector<std::string> calibrated, fitted;
  std::function<void(const std::string& client)> on_calibrate;  // may throw

  std::string not_ready(const std::string& client) override {
    fake.client(client);  // unknown names throw, as the registry's
    auto it = unready.find(client);
    return it == unready.end() ? "" : it->second;
  }
  Calibration calibrate(const std::string& client, double target_cpu) override {
    calibrated.push_back(client);
    if (on_calibrate) on_calibrate(client);
    Calibration c;
    c.client = client;
    c.target_cpu = target_cpu;
    c.work_ns_per_unit = 2.0;
    return c;
  }
  std::unique_ptr<Runner> runner(Calibration& c) override {
    return std::make_unique<GroupRunner>(fake, c, fitted);
  }
  bool stop_requested() const override { return fake.stop; }
};

SweepDefinition two_by_two() {
  SweepDefinition d;
  d.clients = {"fake-otlp", "fake-datadog"};
  d.rates = {1000, 100};
  d.modes = {"typical", "slow_fail"};
  d.repetitions = 2;
  d.runtime_seconds = 1;
  return d;
}

SweepOptions options(const SweepDefinition& d, const fs::path& dir, SweepShard shard = {}) {
  SweepOptions o;
  o.plan = plan_sweep(d, shard);
  o.out_dir = dir;
  o.machine = {{"host", "test-host"}};
  return o;
}

std::string usage_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SweepRun, AProfiledSweepProfilesEveryRunAndAnUnprofiledOneNone) {
  for (const bool profile : {false, true}) {
    FakeSweepBackend b;
    SweepDefinition d = two_by_two();
    d.profile = profile;
    run_sweep(b, options(d, fresh_dir()), {});
    ASSERT_EQ(b.fake.runs.size(), 24u);
    for (const RunOptions& r : b.fake.runs) EXPECT_EQ(r.profile, profile) << r.client;
  }
}

TEST(SweepRun, NoTimeoutReachesEveryRun) {
  for (const bool timeout : {true, false}) {
    FakeSweepBackend b;
    SweepOptions o = options(two_by_two(), fresh_dir());
    o.timeout = timeout;
    run_sweep(b, o, {});
    ASSERT_EQ(b.fake.runs.size(), 24u);
    for (const RunOptions& r : b.fake.runs) EXPECT_EQ(r.timeout, timeout) << r.client;
  }
}

TEST(SweepRun, RunsEachGroupInOrderAndWritesEveryRunWithItsSweepObject) {
  FakeSweepBackend b;
  const fs::path dir = fresh_dir();
  SweepOptions o = options(two_by_two(), dir);
  std::vector<std::string> announced;
  SweepCallbacks cb;
  cb.on_run = [&](const SweepRunDone& d) {
    EXPECT_TRUE(fs::exists(d.file)) << d.file;
    announced.push_back(d.run->label());
  };
  SweepSummary s = run_sweep(b, o, cb);
  EXPECT_EQ(s.planned, 4u * 2 * 3);
  EXPECT_EQ(s.measured, s.planned);
  EXPECT_EQ(s.failed + s.resumed + s.skipped_runs, 0u);
  EXPECT_FALSE(s.interrupted);
  ASSERT_EQ(b.fake.runs.size(), 24u);
  EXPECT_EQ(announced.front(), "fake-datadog 100 sps untraced #1");
  EXPECT_EQ(announced[1], "fake-datadog 100 sps typical traced #1");
  EXPECT_EQ(announced[2], "fake-datadog 100 sps slow_fail traced #1");
  EXPECT_EQ(announced.back(), "fake-otlp 1000 sps slow_fail traced #2");
  // The untraced run has no satellites; the traced ones report to the mode's.
  EXPECT_FALSE(b.fake.runs[0].trace);
  EXPECT_EQ(b.fake.runs[0].sink, nullptr);
  EXPECT_TRUE(b.fake.runs[1].trace);
  EXPECT_EQ(b.fake.runs[1].sink_label, "typical");
  EXPECT_EQ(b.fake.runs[2].sink_label, "slow_fail");
  EXPECT_DOUBLE_EQ(b.fake.runs[0].spans_per_second, 100);
  EXPECT_DOUBLE_EQ(b.fake.runs[0].runtime_seconds, 1);
  // One model per client here, one fit per group.
  EXPECT_EQ(b.calibrated.size(), 4u);
  EXPECT_EQ(b.fitted, (std::vector<std::string>{"fake-datadog@100", "fake-datadog@1000",
                                                "fake-otlp@100", "fake-otlp@1000"}));

  auto plan = read_json(dir / "plan.json");
  EXPECT_EQ(plan["format"], "spanbench-sweep/1");
  EXPECT_EQ(plan["plan_id"], o.plan.plan_id);
  EXPECT_EQ(plan["shard"]["index"], 1);
  EXPECT_EQ(plan["shard"]["count"], 1);
  EXPECT_EQ(plan["groups"].size(), 4u);
  EXPECT_EQ(plan["groups"][0], "fake-datadog@100");
  EXPECT_EQ(plan["definition"]["repetitions"], 2);
  EXPECT_EQ(read_json(dir / "machine.json")["host"], "test-host");

  auto run = read_json(dir / "runs/fake-otlp/1000/slow_fail/run-002.json");
  EXPECT_EQ(run["sweep"]["client"], "fake-otlp");
  EXPECT_EQ(run["sweep"]["rate"], 1000.0);
  EXPECT_EQ(run["sweep"]["mode"], "slow_fail");
  EXPECT_EQ(run["sweep"]["trace"], true);
  EXPECT_EQ(run["sweep"]["repetition"], 2);
  EXPECT_EQ(run["sweep"]["shard"], "1/1");
  EXPECT_EQ(run["sweep"]["plan_id"], o.plan.plan_id);
  EXPECT_EQ(run["calibration"]["client"], "fake-otlp");
  EXPECT_FALSE(run.contains("error"));
  EXPECT_EQ(read_json(dir / "runs/fake-otlp/1000/untraced/run-001.json")["sweep"]["mode"], "none");
  // Each group's calibration is in its folder, with the fit its first run made.
  auto cal = find_calibration(dir / "runs/fake-datadog/100/calibration.json", "fake-datadog", 0.7);
  ASSERT_TRUE(cal.has_value());
  EXPECT_NE(cal->fit_for(100), nullptr);
  for (const auto& g : o.plan.groups) {
    for (const auto& r : g.runs) EXPECT_TRUE(finished_run(dir / r.file, o.plan.plan_id)) << r.file;
  }
}

TEST(SweepRun, ASharedCalibrationFileSavesMeasuringEachClientAgain) {
  const fs::path dir = fresh_dir();
  SweepDefinition d = two_by_two();
  d.modes = {"typical"};
  d.repetitions = 1;
  {
    FakeSweepBackend b;
    SweepOptions o = options(d, dir / "first");
    o.calibration_file = dir / "cal.json";
    run_sweep(b, o);
    // A client's second group starts from the model its first saved there.
    EXPECT_EQ(b.calibrated, (std::vector<std::string>{"fake-datadog", "fake-otlp"}));
  }
  auto shared = find_calibration(dir / "cal.json", "fake-otlp", 0.7);
  ASSERT_TRUE(shared.has_value());
  EXPECT_NE(shared->fit_for(100), nullptr);
  EXPECT_NE(shared->fit_for(1000), nullptr);
  FakeSweepBackend b;
  SweepOptions o = options(d, dir / "second", {2, 3});
  o.calibration_file = dir / "cal.json";
  run_sweep(b, o);
  EXPECT_TRUE(b.calibrated.empty());
  EXPECT_TRUE(b.fitted.empty());
  EXPECT_EQ(b.fake.runs.size(), 2u);
}

TEST(SweepRun, SatellitesStayUpWhileTheModeDoesNotChange) {
  FakeSweepBackend b;
  SweepDefinition d = two_by_two();
  d.clients = {"fake-otlp"};
  d.rates = {100};
  d.modes = {"typical"};
  d.repetitions = 3;
  run_sweep(b, options(d, fresh_dir()));
  EXPECT_EQ(b.fake.runs.size(), 6u);
  ASSERT_EQ(b.fake.satellite_starts.size(), 1u);
  EXPECT_EQ(b.fake.satellite_starts[0].mode, "typical");
}

TEST(SweepRun, AFailedRunIsRecordedAndTheSweepGoesOn) {
  FakeSweepBackend b;
  b.fake.script = [](const RunOptions& o, int n) {
    if (n == 3) testing::fail_run(o, "client exited with code 1");
    return clean_result(o);
  };
  const fs::path dir = fresh_dir();
  SweepSummary s = run_sweep(b, options(two_by_two(), dir));
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.measured, 23u);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(s.failures[0],
            "runs/fake-datadog/100/slow_fail/run-001.json: client exited with code 1");
  auto failed = read_json(dir / "runs/fake-datadog/100/slow_fail/run-001.json");
  EXPECT_EQ(failed["error"], "client exited with code 1");
  EXPECT_EQ(failed["sweep"]["mode"], "slow_fail");
  EXPECT_FALSE(
      finished_run(dir / "runs/fake-datadog/100/slow_fail/run-001.json", plan_id(two_by_two())));
  EXPECT_TRUE(
      finished_run(dir / "runs/fake-datadog/100/slow_fail/run-002.json", plan_id(two_by_two())));
}

TEST(SweepRun, AStopKeepsFinishedRunsAndResumeRedoesOnlyTheRest) {
  const fs::path dir = fresh_dir();
  SweepDefinition d = two_by_two();
  std::map<fs::path, fs::file_time_type> first_written;
  {
    FakeSweepBackend b;
    b.fake.script = [&](const RunOptions& o, int n) {
      if (n == 8) {  // Ctrl-C during the 8th run
        b.fake.stop = true;
        testing::fail_run(o, "interrupted");
      }
      return clean_result(o);
    };
    SweepSummary s = run_sweep(b, options(d, dir));
    EXPECT_TRUE(s.interrupted);
    EXPECT_EQ(s.measured, 7u);
    EXPECT_EQ(s.failed, 0u) << "an interruption is not a failure";
    EXPECT_EQ(b.fake.runs.size(), 8u);
    for (const auto& entry : fs::recursive_directory_iterator(dir / "runs")) {
      if (entry.path().filename().string().rfind("run-", 0) == 0) {
        first_written[entry.path()] = fs::last_write_time(entry.path());
      }
    }
    EXPECT_EQ(first_written.size(), 8u);  // 7 finished, the interrupted one with "error"
  }
  // Without --resume the folder is refused.
  {
    FakeSweepBackend b;
    EXPECT_NE(usage_error([&] { run_sweep(b, options(d, dir)); })
                  .find("already holds a sweep (" + (dir / "plan.json").string() +
                        "): pass --resume or another --out"),
              std::string::npos);
    EXPECT_TRUE(b.fake.runs.empty());
  }
  FakeSweepBackend b;
  SweepOptions o = options(d, dir);
  o.resume = true;
  size_t resumed_announced = 0;
  SweepCallbacks cb;
  cb.on_run = [&](const SweepRunDone& r) {
    if (r.status == SweepRunDone::Status::resumed) ++resumed_announced;
  };
  SweepSummary s = run_sweep(b, o, cb);
  EXPECT_EQ(s.resumed, 7u);
  EXPECT_EQ(resumed_announced, 7u);
  EXPECT_EQ(s.measured, 24u - 7);
  EXPECT_EQ(b.fake.runs.size(), 24u - 7);
  // The two groups begun before came with their calibrations; only the others were made.
  EXPECT_EQ(b.fitted, (std::vector<std::string>{"fake-otlp@100", "fake-otlp@1000"}));
  size_t untouched = 0;
  for (const auto& [file, time] : first_written) {
    auto doc = read_json(file);
    EXPECT_FALSE(doc.contains("error")) << file;
    if (fs::last_write_time(file) == time) ++untouched;
  }
  EXPECT_EQ(untouched, 7u) << "a finished run was written again";
  for (const auto& g : o.plan.groups) {
    for (const auto& r : g.runs) EXPECT_TRUE(finished_run(dir / r.file, o.plan.plan_id)) << r.file;
  }
}

TEST(SweepRun, ResumeRefusesAnotherDefinitionOrShard) {
  const fs::path dir = fresh_dir();
  {
    FakeSweepBackend b;
    run_sweep(b, options(two_by_two(), dir, {1, 2}));
  }
  FakeSweepBackend b;
  SweepDefinition other = two_by_two();
  other.repetitions = 3;
  SweepOptions o = options(other, dir, {1, 2});
  o.resume = true;
  std::string e = usage_error([&] { run_sweep(b, o); });
  EXPECT_NE(e.find("holds another sweep (plan " + plan_id(two_by_two()) + ", this one is " +
                   plan_id(other) + ")"),
            std::string::npos)
      << e;
  o = options(two_by_two(), dir, {2, 2});
  o.resume = true;
  e = usage_error([&] { run_sweep(b, o); });
  EXPECT_NE(e.find("holds shard 1/2 of this sweep, not 2/2: pass --shard 1/2"), std::string::npos)
      << e;
  EXPECT_TRUE(b.fake.runs.empty());
}

TEST(SweepRun, AClientThatIsNotReadyIsSkippedSayingWhy) {
  FakeSweepBackend b;
  b.unready["fake-datadog"] = "dd-trace is not installed: run npm ci";
  const fs::path dir = fresh_dir();
  std::vector<std::string> notes;
  std::vector<size_t> totals;
  SweepCallbacks cb;
  cb.on_note = [&](const std::string& n) { notes.push_back(n); };
  cb.on_progress = [&](const SweepProgress& p) { totals.push_back(p.total); };
  SweepSummary s = run_sweep(b, options(two_by_two(), dir), cb);
  EXPECT_EQ(s.skipped.at("fake-datadog"), "dd-trace is not installed: run npm ci");
  EXPECT_EQ(s.skipped_runs, 12u);
  EXPECT_EQ(s.measured, 12u);
  ASSERT_FALSE(totals.empty());
  EXPECT_EQ(totals.front(), 12u) << "the progress counts the runs that will run";
  for (const auto& r : b.fake.runs) EXPECT_EQ(r.client, "fake-otlp");
  EXPECT_FALSE(fs::exists(dir / "runs/fake-datadog"));
  EXPECT_EQ(read_json(dir / "plan.json")["skipped"]["fake-datadog"],
            "dd-trace is not installed: run npm ci");
  EXPECT_NE(std::find(notes.begin(), notes.end(),
                      "skipping fake-datadog: dd-trace is not installed: run npm ci"),
            notes.end());
}

TEST(SweepRun, AnUnknownClientIsAUsageErrorBeforeAnythingRuns) {
  FakeSweepBackend b;
  SweepDefinition d = two_by_two();
  d.clients.push_back("nope");
  const fs::path dir = fresh_dir();
  EXPECT_THROW(run_sweep(b, options(d, dir)), UsageError);
  EXPECT_TRUE(b.fake.runs.empty());
  EXPECT_FALSE(fs::exists(dir / "plan.json"));
}

TEST(SweepRun, AGroupThatCannotBeCalibratedHasItsRunsRecordedAsFailed) {
  FakeSweepBackend b;
  b.on_calibrate = [](const std::string& client) {
    if (client == "fake-datadog") throw Error("client exited during calibration");
  };
  const fs::path dir = fresh_dir();
  SweepSummary s = run_sweep(b, options(two_by_two(), dir));
  EXPECT_EQ(s.failed, 12u);
  EXPECT_EQ(s.measured, 12u);
  auto doc = read_json(dir / "runs/fake-datadog/1000/typical/run-002.json");
  EXPECT_EQ(doc["error"], "calibration failed: client exited during calibration");
  EXPECT_EQ(doc["sweep"]["repetition"], 2);
  EXPECT_EQ(doc["client"], "fake-datadog");
}

TEST(SweepRun, ProgressCountsRunsAndTheEtaFallsToZero) {
  FakeSweepBackend b;
  SweepDefinition d = two_by_two();
  d.runtime_seconds = 10;
  std::vector<SweepProgress> seen;
  SweepCallbacks cb;
  cb.on_progress = [&](const SweepProgress& p) { seen.push_back(p); };
  run_sweep(b, options(d, fresh_dir()), cb);
  ASSERT_EQ(seen.size(), 24u + 4);  // each run and each group's calibration
  EXPECT_EQ(seen.front().label, "calibrating fake-datadog at 100 sps");
  EXPECT_EQ(seen.front().done, 0u);
  EXPECT_EQ(seen.front().total, 24u);
  // Planned: 24 runs of 10 s plus the guessed overheads and calibrations.
  EXPECT_GE(seen.front().eta_seconds, 240);
  EXPECT_EQ(seen[1].label, "fake-datadog 100 sps untraced #1");
  EXPECT_EQ(seen.back().done, 23u);
  // The fake runs take no time: the measured overhead is zero, so the last
  // run's ETA is its planned runtime.
  EXPECT_NEAR(seen.back().eta_seconds, 10, 0.5);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].done, seen[i - 1].done);
}

}  // namespace
}  // namespace spanbench
