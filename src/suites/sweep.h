#pragma once

// Runs one shard of a sweep (suites/sweep_plan.h) into a folder, one group
// (client, span rate) after another: the group's calibration, then its
// runs, each written as it ends (docs/suites.md, "The sweep folder").

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/controller.h"
#include "suites/runner.h"
#include "suites/sweep_plan.h"

namespace spanbench {

// What a sweep needs besides runs: which clients can run here, and their
// calibrations. The real one drives the Controller (ControllerSweepBackend);
// tests script one.
class SweepBackend {
 public:
  virtual ~SweepBackend() = default;
  // Why the client cannot run on this machine and what to do ("" when it can).
  virtual std::string not_ready(const std::string& client) = 0;
  // The client's cost model at `target_cpu` (no rate fits). Throws Error.
  virtual Calibration calibrate(const std::string& client, double target_cpu) = 0;
  // The runner for a group's runs, planned from `calibration`; its first
  // run adds the fit for the group's rate when there is none.
  virtual std::unique_ptr<Runner> runner(Calibration& calibration) = 0;
  virtual bool stop_requested() const = 0;
};

// The Controller's: readiness from the registry, each client's cost model
// measured once per process (each group's rate fit is made on it by the
// group's first run).
class ControllerSweepBackend final : public SweepBackend {
 public:
  // `stop_flag` (the CLI's Ctrl-C flag, which also stops the Controller's
  // runs) ends the sweep when it rises; null: only Controller::request_stop.
  explicit ControllerSweepBackend(Controller& controller,
                                  const std::atomic<bool>* stop_flag = nullptr)
      : controller_(controller), stop_flag_(stop_flag) {}
  std::string not_ready(const std::string& client) override;
  Calibration calibrate(const std::string& client, double target_cpu) override;
  std::unique_ptr<Runner> runner(Calibration& calibration) override;
  bool stop_requested() const override {
    return controller_.stop_requested() || (stop_flag_ && stop_flag_->load());
  }

 private:
  Controller& controller_;
  const std::atomic<bool>* stop_flag_;
  std::map<std::pair<std::string, double>, Calibration> models_;
};

struct SweepOptions {
  SweepPlan plan;
  std::filesystem::path out_dir = "results/sweep";
  std::vector<uint16_t> satellite_ports;  // empty: the defaults
  // Keep the runs of an earlier start of this plan in out_dir; without it
  // a folder that holds a sweep is refused.
  bool resume = false;
  // A calibration file shared by sweeps on this machine (one file holds
  // many clients and rates): a group without its own calibration starts
  // from the one there for its client and target, and what the group
  // measures is saved back. Empty: none.
  std::filesystem::path calibration_file;
  // machine.json and plan.json's machine; null: machine_context().
  nlohmann::json machine;
  // Kill a client that has not finished after 2 x runtime + 2 s (as run).
  // Off on a busy machine, where a starved client's loop stretches.
  bool timeout = true;
};

struct SweepProgress {
  size_t done = 0;   // runs finished or found finished, of...
  size_t total = 0;  // ...this shard's planned runs (without a skipped client's)
  std::string
      label;  // "cpp-datadog 1000 sps typical traced #3", "calibrating cpp-datadog 1000 sps"
  double eta_seconds = 0;  // until the shard ends, from planned runtimes and measured overheads
};

struct SweepRunDone {
  const PlannedRun* run = nullptr;
  std::filesystem::path file;  // absolute: out_dir / run->file
  enum class Status { measured, resumed, failed } status = Status::measured;
  Result result;      // measured: the result; failed: the partial one
  std::string error;  // failed: why
};

struct SweepCallbacks {
  std::function<void(const SweepProgress&)> on_progress;  // before each run and calibration
  std::function<void(const SweepRunDone&)> on_run;
  std::function<void(const std::string&)> on_note;  // a skipped client, a reused calibration
};

struct SweepSummary {
  size_t planned = 0;
  size_t measured = 0;
  size_t resumed = 0;  // found finished in the folder
  size_t failed = 0;
  std::vector<std::string> failures;           // "runs/...json: why"
  std::map<std::string, std::string> skipped;  // client -> why it is not ready
  size_t skipped_runs = 0;
  bool interrupted = false;
  double seconds = 0;
};

// The folder's plan.json, written before the first run.
nlohmann::json plan_document(const SweepPlan& plan, const nlohmann::json& machine,
                             const std::map<std::string, std::string>& skipped);
// The "sweep" object of a run's result document.
nlohmann::json run_sweep_fields(const SweepPlan& plan, const PlannedRun& run);
// True when `file` holds a finished run of plan `plan_id` (it parses, has
// no "error", and its sweep.plan_id matches).
bool finished_run(const std::filesystem::path& file, const std::string& plan_id);

// Checks out_dir for this plan: a folder with a plan.json is refused
// unless `resume`, and then only when it holds the same plan and shard.
// Throws UsageError saying what to do.
void check_sweep_folder(const SweepPlan& plan, const std::filesystem::path& out_dir, bool resume);

// Runs the shard. A failed run is recorded (its partial result, with
// "error") and the sweep goes on; a client that is not ready is skipped;
// when the stop flag rises the sweep ends with `interrupted`, every
// finished run kept. Throws UsageError (folder refused) or Error (the
// satellites could not start).
SweepSummary run_sweep(SweepBackend& backend, const SweepOptions& options,
                       const SweepCallbacks& callbacks = {});

}  // namespace spanbench
