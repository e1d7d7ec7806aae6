#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/controller.h"
#include "suites/satellites.h"

namespace spanbench {

// What the suites need to run a client, and nothing more: its registry
// entry, satellites for its runs, one run planned from the calibration,
// and whether the user asked to stop. The Controller does it for real
// (ControllerRunner); tests script a fake that returns made-up Results, so
// a suite's verdicts, rows and summaries are tested without a process.
class Runner {
 public:
  virtual ~Runner() = default;

  // Throws UsageError listing the known names.
  virtual const ClientEntry& client(const std::string& name) const = 0;
  // Satellites in `mode` speaking the client's protocol (see
  // open_run_satellites); null sink for "none" or a client that reports
  // nowhere.
  virtual RunSatellites start_satellites(const std::string& mode, const ClientEntry& client,
                                         const std::vector<uint16_t>& ports,
                                         const SatelliteOutage& outage) = 0;
  // One run planned from the calibration (which may gain a rate fit).
  // Throws RunFailed carrying what was measured.
  virtual Result run(const RunOptions& options) = 0;
  // What the runs are planned from; every result document records it.
  virtual const Calibration& calibration() const = 0;
  // True once the user asked to stop: a failed run is then an interruption.
  virtual bool stop_requested() const = 0;
};

// The real runner: the Controller's runs with this calibration, satellites
// on real ports.
class ControllerRunner final : public Runner {
 public:
  ControllerRunner(Controller& controller, Calibration& calibration)
      : controller_(controller), calibration_(calibration) {}

  const ClientEntry& client(const std::string& name) const override;
  RunSatellites start_satellites(const std::string& mode, const ClientEntry& client,
                                 const std::vector<uint16_t>& ports,
                                 const SatelliteOutage& outage) override;
  Result run(const RunOptions& options) override;
  const Calibration& calibration() const override { return calibration_; }
  bool stop_requested() const override { return controller_.stop_requested(); }

 private:
  Controller& controller_;
  Calibration& calibration_;
};

// Where a run's result document goes, written as soon as the run ends.
struct RecordTo {
  std::filesystem::path file;  // empty: nowhere
  // Write only a failed run's partial result (a sweep whose results go to a CSV).
  bool failures_only = false;
  // Added to a failed run's document besides its "error".
  nlohmann::json failure_fields = nlohmann::json::object();
  // Added to the document, failed or not (a sweep's "sweep" object).
  nlohmann::json fields = nlohmann::json::object();
};

// Runs `options` and writes its result document where `to` says. A failed
// run's partial result is written with an "error" field before the
// RunFailed goes on, so nothing measured is lost.
Result run_and_record(Runner& runner, const RunOptions& options, const RecordTo& to = {});

// The runs of one client against one set of satellites, started on
// construction for the client's protocol and stopped on destruction.
class RunRecorder {
 public:
  RunRecorder(Runner& runner, const std::string& client, const std::string& satellite_mode,
              const std::vector<uint16_t>& ports, const SatelliteOutage& outage = {});

  const ClientEntry& client() const { return client_; }
  const RunSatellites& satellites() const { return satellites_; }
  // A run of the client reporting to these satellites; the rest defaults.
  RunOptions options() const;
  Result run(const RunOptions& options, const RecordTo& to = {}) {
    return run_and_record(runner_, options, to);
  }

 private:
  Runner& runner_;
  const ClientEntry& client_;
  RunSatellites satellites_;
};

// Points the run at `satellites`: its sink, their label and ports.
void use_satellites(RunOptions& options, const RunSatellites& satellites);

}  // namespace spanbench
