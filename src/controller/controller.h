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
#include "core/command.h"
#include "core/error.h"
#include "core/result.h"
#include "core/span_sink.h"

namespace spanbench {

struct ControllerOptions {
  std::filesystem::path clients_file = "clients.toml";
  std::filesystem::path log_dir = "logs";
  std::string control_host = "127.0.0.1";
  uint16_t control_port = 8024;
  // Polled during runs; when it becomes true the client is stopped (the
  // CLI points this at its SIGINT flag). Null: only request_stop() stops.
  const std::atomic<bool>* stop_flag = nullptr;
};

// What one benchmark run should do.
struct RunOptions {
  std::string client;
  bool trace = true;
  double spans_per_second = 100;
  double runtime_seconds = 10;
  bool no_flush = false;
  bool timeout = true;  // kill the client after timeout_factor x runtime
  double timeout_factor = 2.0;
  int num_tags = 10;
  int num_logs = 15;
  // Where traced spans land; null runs without satellites.
  SpanSink* sink = nullptr;
  std::string sink_label = "none";
  std::string satellite_host = "127.0.0.1";
  std::vector<uint16_t> satellite_ports = {8360, 8361, 8362, 8363, 8364, 8365, 8366, 8367};
  // Longest wait after the client exits for satellite counts to settle.
  std::chrono::milliseconds settle_limit{3000};
};

struct CalibrationOptions {
  double target_cpu = 0.7;
  // Span rate and runtime of the verification run that corrects the model.
  double verify_spans_per_second = 1000;
  double verify_runtime_seconds = 1.5;
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

  Calibration calibrate(const std::string& client, const CalibrationOptions& options = {});
  // Reuses `file` when it holds a calibration of this client at this target,
  // otherwise calibrates and saves it there.
  Calibration calibrate_cached(const std::string& client, const CalibrationOptions& options,
                               const std::filesystem::path& file);

  Result run(const RunOptions& options, const Calibration& calibration);
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
};

}  // namespace spanbench
