#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace spanbench {

// What closing the loop at one span rate found: the measured loop CPU of
// that rate's runs relative to the probe model, and how much longer than
// asked each sleep takes. Verification runs at the rate are repeated until
// one lands within the tolerances (or the iterations run out).
struct RateFit {
  double spans_per_second = 0;
  double cpu_scale = 1.0;         // measured / modelled loop CPU
  double sleep_overshoot_ns = 0;  // wall time beyond SleepInterval per sleep
  int iterations = 0;             // verification runs made
  double cpu_error_points = 0;    // last verification: loop CPU share - target, points
  double rate_error = 0;          // last verification: achieved / target spans/s - 1
  bool converged = false;         // the last verification was within tolerance
  double seconds = 0;             // wall time the verification runs took
  int noisy_runs = 0;             // verification runs not used: the machine was busy
};

// A model of one client's cost with the no-op tracer, measured by short
// probe runs of its span loop alone (start-up and exit excluded): CPU per
// unit of Work and CPU per span besides its Work. From it, plan_run()
// turns a span rate and a runtime into the Work, Repeat and Sleep that
// make the client's loop use the target CPU share; a RateFit for that
// rate, when there is one, corrects the plan with what verification runs
// at exactly that rate measured. A calibration is valid for one client and
// target; its fits, each for one rate.
struct Calibration {
  std::string client;
  double target_cpu = 0.7;           // share of one core, 0..1
  double work_ns_per_unit = 1.0;     // CPU ns per unit of Work
  double span_overhead_ns = 0.0;     // CPU ns per span besides its Work
  double startup_cpu_seconds = 0.0;  // CPU from spawn to GET /control
  double startup_wall_seconds = 0.0;
  double calibration_seconds = 0.0;  // wall time the probes took
  int probe_runs = 0;
  std::vector<RateFit> rates;
  // Not saved: true when this calibration (or the fit in use) came from a file.
  bool reused = false;

  double work_units_per_second() const { return 1e9 / work_ns_per_unit; }
  // Sleep owed per unit of work that holds the target share in the loop.
  double sleep_ns_per_work_unit() const {
    return work_ns_per_unit * (1.0 - target_cpu) / target_cpu;
  }
  const RateFit* fit_for(double spans_per_second) const;
  RateFit* fit_for(double spans_per_second);
};

nlohmann::json to_json(const Calibration& c);
nlohmann::json to_json(const RateFit& f);
Calibration calibration_from_json(const nlohmann::json& j);
// A calibration file holds one or more calibrations (one per client and
// target). Throws spanbench::Error when the file is unreadable or malformed.
std::vector<Calibration> load_calibrations(const std::filesystem::path& file);
// The calibration in `file` for this client and target, if any.
std::optional<Calibration> find_calibration(const std::filesystem::path& file,
                                            const std::string& client, double target_cpu);
// Writes `c` into `file`, replacing the calibration of the same client and
// target and keeping the others.
void save_calibration(const Calibration& c, const std::filesystem::path& file);

// The control-message fields that carry out a run.
struct RunPlan {
  int64_t work = 0;
  int64_t repeat = 0;
  int64_t sleep_ns = 0;
  int64_t sleep_interval_ns = 100'000'000;
  // Predicted loop CPU share; above target when the per-span overhead alone
  // exceeds the budget (span rate too high for this client).
  double expected_cpu = 0;
  // Predicted loop CPU seconds.
  double expected_loop_cpu_seconds = 0;
  // Sleeps the client will take (debt ends at exactly this many intervals).
  int64_t sleeps = 0;
};

// Pure arithmetic (no I/O). The loop is planned to last `runtime_seconds`.
// Sleeps are batched into intervals near `preferred_interval_ns`, sized so
// that the client's sleep debt ends the run at exactly k whole intervals:
// nothing owed is left unslept.
RunPlan plan_run(const Calibration& c, double spans_per_second, double runtime_seconds,
                 int64_t preferred_interval_ns = 100'000'000);

// Fits the cost model from the loop CPU seconds of two probes: a work
// probe with `work_repeat` spans of `work_units` each, and an overhead
// probe of `overhead_repeat` spans with no work.
void fit_cost_model(Calibration& c, double work_probe_loop_cpu, int64_t work_repeat,
                    int64_t work_units, double overhead_probe_loop_cpu, int64_t overhead_repeat);

// The tolerances a verification run must meet for a fit to count as converged.
struct VerifyTolerance {
  double cpu_points = 0.5;  // |loop CPU share - target| in percentage points
  double rate = 0.01;       // |achieved / target spans/s - 1|
};

// Records in `fit` how a verification run of `plan` (planned for `runtime`
// seconds at fit.spans_per_second) measured: its loop CPU seconds and loop
// wall seconds. Returns true when it was within tolerance; otherwise
// corrects the fit so that the next plan lands closer.
bool verify_and_correct(const Calibration& c, RateFit& fit, const RunPlan& plan, double runtime,
                        double loop_cpu, double loop_wall, const VerifyTolerance& tolerance = {});

}  // namespace spanbench
