#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "report/junit.h"
#include "suites/overhead.h"
#include "suites/runner.h"

namespace spanbench {

// The thresholds of `spanbench regress`, one profile of a suite file
// (suites/regress.toml). Defaults are the "full" profile's numbers.
struct MemoryCheckConfig {
  bool enabled = true;
  double spans_per_second = 500;
  double short_runtime_seconds = 5;
  double long_runtime_seconds = 100;
  double max_ratio = 2.0;  // long-run peak RSS / short-run peak RSS
};

struct DroppedCheckConfig {
  bool enabled = true;
  std::vector<double> rates = {100, 300};
  double runtime_seconds = 30;
  int64_t max_dropped = 0;  // per rate
};

struct CpuCheckConfig {
  bool enabled = true;
  double spans_per_second = 500;
  double runtime_seconds = 10;
  int trials = 5;
  // traced - untraced loop CPU share, x100: the Hodges-Lehmann estimate
  // over the trials (its 95% interval needs 4 trials or more).
  double max_overhead_points = 10;
};

struct ThroughputCheckConfig {
  bool enabled = true;
  std::vector<double> rates = {1000, 2000, 3000, 5000, 10000, 20000, 50000, 100000};
  double runtime_seconds = 10;
  double max_cpu = 0.8;
  // A run keeps up when its spans/s reach this share of the asked rate.
  double min_achieved_fraction = 0.8;
  double min_spans_per_second = 3000;
};

struct RegressProfile {
  std::string name = "full";
  MemoryCheckConfig memory;
  DroppedCheckConfig dropped;
  CpuCheckConfig cpu;
  ThroughputCheckConfig throughput;
};

// Reads profile `name` ("quick", "full", or any table the file defines) of
// the suite file. Throws UsageError naming the file and line of a bad value,
// or the profiles there are when `name` is missing.
RegressProfile load_regress_profile(const std::filesystem::path& file, const std::string& name);
RegressProfile parse_regress_profile(const std::string& toml_text, const std::string& name,
                                     const std::string& source_name);

struct RegressOptions {
  std::string client;
  RegressProfile profile;
  std::vector<uint16_t> satellite_ports;  // empty: defaults
  int num_tags = 10;
  int num_logs = 15;
  // Every run's result JSON goes to out_dir/runs/ as soon as it is
  // measured; regress.json (summary) after every check.
  std::filesystem::path out_dir = "regress";
  std::filesystem::path junit_file;  // empty: none; else rewritten after every check
  // When set and true, a failed run is an interruption, not a failed check.
  const std::atomic<bool>* stop_flag = nullptr;
  // Give verdicts on disturbed runs instead of calling the check noisy.
  bool allow_noise = false;
};

struct RegressCheckResult {
  std::string name;  // memory, dropped, cpu, throughput
  std::string description;
  double measured = 0;
  std::string measured_text;
  double limit = 0;
  std::string limit_text;
  Verdict verdict = Verdict::fail;
  std::string detail;  // per-run figures, or why it could not be measured
  double seconds = 0;  // wall time the check took
  std::string noise;   // why the verdict is noisy: the disturbed runs, or a measurement problem
  bool passed() const { return verdict == Verdict::pass; }
};

struct RegressReport {
  std::string client;
  std::string profile;
  std::vector<RegressCheckResult> checks;
  bool interrupted = false;
  // fail when any check failed (or none ran, or the suite was interrupted);
  // else noisy when any check was; else pass.
  Verdict verdict() const;
  bool passed() const { return verdict() == Verdict::pass; }
};

// The verdict logic of the checks, apart from running anything (the suite
// uses these; tests feed them made-up results).
//
// A check with disturbed runs is noisy, naming them, unless allow_noise
// (then the detail says they were accepted).
void apply_noise(RegressCheckResult& check, const std::vector<NamedResult>& runs, bool allow_noise);
// The cpu check from its trials: the overhead (traced - untraced loop CPU
// share, Hodges-Lehmann with its 95% interval) must stay under the limit.
// Below zero beyond its interval is a measurement problem (noisy), never a
// pass; a traced client that misses the rate by more than 5% fails.
void judge_cpu_check(RegressCheckResult& check, const CpuCheckConfig& config,
                     const std::vector<NamedResult>& traced,
                     const std::vector<NamedResult>& untraced);

nlohmann::json to_json(const RegressReport& report);
JUnitSuite to_junit(const RegressReport& report);
// A fixed-width table: check, measured, limit, verdict.
std::string format_regress_table(const RegressReport& report);

struct RegressCallbacks {
  // Before each run ("cpu: traced trial 2 of 5 at 500 spans/s").
  std::function<void(const std::string& run)> on_run;
  std::function<void(const RegressCheckResult&)> on_check;
};

// Runs the enabled checks in order (memory, dropped, cpu, throughput)
// against one satellite group for the client's protocol. A run that fails
// fails its check; the suite goes on. When the stop flag is raised, the
// summary so far is written (interrupted: true) and the RunFailed is
// rethrown.
RegressReport run_regress(Runner& runner, const RegressOptions& options,
                          const RegressCallbacks& callbacks = {});

}  // namespace spanbench
