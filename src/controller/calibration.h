#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

namespace spanbench {

// A model of one client's cost with the no-op tracer, measured by short
// probe runs: CPU per unit of Work, CPU per span besides its Work, the
// fixed cost of starting and exiting, and how much longer than asked each
// sleep takes. From it, plan_run() turns a span rate and a runtime into the
// Work, Repeat and Sleep that make the client use the target CPU share.
struct Calibration {
  std::string client;
  double target_cpu = 0.7;           // share of one core, 0..1
  double work_ns_per_unit = 1.0;     // CPU ns per unit of Work
  double span_overhead_ns = 0.0;     // CPU ns per span besides its Work
  double startup_cpu_seconds = 0.0;  // CPU of start + fetch command + exit
  double startup_wall_seconds = 0.0;
  double sleep_overshoot_ns = 0.0;   // wall time beyond SleepInterval per sleep
  double calibration_seconds = 0.0;  // wall time the calibration took
  int probe_runs = 0;

  double work_units_per_second() const { return 1e9 / work_ns_per_unit; }
  // Sleep owed per unit of work that holds the target share in the loop.
  double sleep_ns_per_work_unit() const {
    return work_ns_per_unit * (1.0 - target_cpu) / target_cpu;
  }
};

nlohmann::json to_json(const Calibration& c);
Calibration calibration_from_json(const nlohmann::json& j);
// Throws spanbench::Error when the file is unreadable or malformed.
Calibration load_calibration(const std::filesystem::path& file);
void save_calibration(const Calibration& c, const std::filesystem::path& file);

// The control-message fields that carry out a run.
struct RunPlan {
  int64_t work = 0;
  int64_t repeat = 0;
  int64_t sleep_ns = 0;
  int64_t sleep_interval_ns = 100'000'000;
  // Predicted CPU share; below target when the per-span overhead alone
  // exceeds the budget (span rate too high for this client).
  double expected_cpu = 0;
};

// Pure arithmetic (no I/O). Sleeps are batched into intervals near
// `preferred_interval_ns`, sized so that the client's sleep debt ends the
// run at exactly k whole intervals: nothing owed is left unslept.
RunPlan plan_run(const Calibration& c, double spans_per_second, double runtime_seconds,
                 int64_t preferred_interval_ns = 100'000'000);

// Fits the cost model from probe measurements (CPU seconds of each probe,
// including startup): a work probe with `work_repeat` spans of `work_units`
// each, and an overhead probe of `overhead_repeat` spans with no work.
void fit_cost_model(Calibration& c, double startup_cpu, double work_probe_cpu, int64_t work_repeat,
                    int64_t work_units, double overhead_probe_cpu, int64_t overhead_repeat);

// Corrects the model after a verification run of `plan` whose measured CPU
// seconds and wall seconds were `cpu` and `wall`, for a target `runtime`.
void correct_from_verification(Calibration& c, const RunPlan& plan, double runtime, double cpu,
                               double wall);

}  // namespace spanbench
