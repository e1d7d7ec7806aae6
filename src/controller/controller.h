#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/calibration.h"
#include "controller/client_registry.h"
#include "controller/control_server.h"
#include "core/control_command.h"
#include "core/error.h"
#include "core/result.h"
#include "core/span_sink.h"

namespace spanbench {

struct ControllerOptions {
  // Empty: found by find_client_registry (SPANBENCH_CLIENTS, ./clients.toml,
  // the installed one).
  std::filesystem::path clients_file;
  std::filesystem::path log_dir = "logs";
  std::string control_host = "127.0.0.1";
  uint16_t control_port = 8024;
  // Polled during runs; when it becomes true the client is stopped (the
  // CLI points this at its SIGINT flag). Null: only request_stop() stops.
  const std::atomic<bool>* stop_flag = nullptr;
  // Called the first time a run uses a span rate's fit: `fresh` when the
  // verification runs were just made, false when the fit came with the
  // calibration (e.g. from a file). The CLI prints it and saves the file.
  std::function<void(const Calibration&, const RateFit&, bool fresh)> on_rate_fit;
  // Pins the client to this core (-1: no pinning).
  int client_cpu = -1;
};

// What one benchmark run should do.
struct RunOptions {
  std::string client;
  bool trace = true;
  double spans_per_second = 100;
  double runtime_seconds = 10;
  bool no_flush = false;
  bool timeout = true;  // kill the client after timeout_factor x runtime + 2 s
  double timeout_factor = 2.0;
  int num_tags = 10;
  int num_logs = 15;
  // Where traced spans land; null runs without satellites.
  SpanSink* sink = nullptr;
  std::string sink_label = "none";
  std::string satellite_host = "127.0.0.1";
  std::vector<uint16_t> satellite_ports = {8360, 8361, 8362, 8363, 8364, 8365, 8366, 8367};
  // Close the calibration's loop at this rate before the run when it has
  // no fit for it. Off: plan from the probe model alone, for runs whose CPU
  // share does not matter (conformance checks).
  bool fit_rate = true;
  // The calibration target the plan was made for (recorded in the result).
  double target_cpu = 0;
  // Longest wait after the client exits for satellite counts to settle.
  std::chrono::milliseconds settle_limit{3000};
  // Sample the client's span loop with perf at profile_hz (docs/profiling.md)
  // and keep the folded stacks in profile_folded (empty: beside the run's
  // log file, with the extension .folded).
  bool profile = false;
  int profile_hz = 499;
  std::filesystem::path profile_folded;
};

struct CalibrationOptions {
  double target_cpu = 0.7;
  // Loop runtime of each verification run at a span rate (at most the
  // run's own runtime), how many to make at most, and when to stop.
  double verify_runtime_seconds = 2.0;
  int max_verify_runs = 4;
  VerifyTolerance tolerance;
};

// A run that ended badly (non-zero exit, signal, timeout, never asked for
// its command). Carries what was measured so callers can keep it.
class RunFailed : public Error {
 public:
  RunFailed(const std::string& what, Result partial) : Error(what), partial_(std::move(partial)) {}
  const Result& partial() const { return partial_; }

 private:
  Result partial_;
};

// Drives client programs: calibrates them with the no-op tracer and runs
// benchmarks, measuring each client from outside. The CLI, examples and
// suites all use this class; it never prints and never exits.
class Controller {
 public:
  explicit Controller(ControllerOptions options);
  ~Controller();

  const ClientRegistry& registry() const { return registry_; }

  // The cost model from probe runs (no rate fits yet).
  Calibration calibrate(const std::string& client, const CalibrationOptions& options = {});
  // Closes the loop at one span rate: verification runs with the actual
  // command (a shortened runtime), corrected until one lands within
  // tolerance or max_verify_runs are made. Replaces any fit for that rate.
  const RateFit& fit_rate(Calibration& calibration, double spans_per_second, double runtime_seconds,
                          const CalibrationOptions& options = {});

  // Runs with the calibration's fit for the run's rate, making it first
  // when there is none (so `calibration` may gain a fit).
  Result run(const RunOptions& options, Calibration& calibration);
  // Runs one control command as given (no calibration arithmetic).
  Result run_command(const RunOptions& options, const ControlCommand& command);

  // Thread- and signal-safe: the current run's client is stopped and the
  // run ends with RunFailed carrying what was measured.
  void request_stop() { stop_.store(true); }
  bool stop_requested() const { return stop_.load(); }

 private:
  std::filesystem::path next_log_file(const std::string& client, bool trace);

  ControllerOptions options_;
  ClientRegistry registry_;
  std::unique_ptr<ControlServer> control_;
  std::atomic<bool> stop_{false};
  int run_counter_ = 0;
  std::vector<std::pair<std::string, double>> announced_fits_;
};

}  // namespace spanbench
