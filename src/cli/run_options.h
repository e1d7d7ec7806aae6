#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "controller/controller.h"

namespace spanbench::cli {

// Options shared by commands that start clients (calibrate, run).
struct ClientRunFlags {
  std::string client;
  double target_cpu = 0.7;
  uint16_t control_port = 8024;
  std::string calibration_file;
  int client_cpu = -1;
};

void add_client_run_flags(CLI::App* cmd, ClientRunFlags& f);
// A controller for these flags: logs initialised, SIGINT wired to stop the
// client, CPUs pinned with --client-cpu; each span rate's calibration fit
// is printed when first used (through `print` when given, else to stdout)
// and saved to --calibration FILE when new.
Controller make_controller(const ClientRunFlags& f,
                           std::function<void(const std::string&)> print = {});
// Throws UsageError, before anything runs, when the client reports nowhere
// (protocol "none"): `command` counts the spans the satellites receive.
void require_reporting_client(const Controller& controller, const std::string& client,
                              const std::string& command);
// Calibrates the client at the target CPU share, or reuses the one in
// --calibration FILE for this client and target (saving a new one there
// otherwise); prints which.
Calibration calibrate_or_reuse(Controller& controller, const ClientRunFlags& f);
// Restricts spanbench (this thread and every thread it starts later) to
// every core but `client_cpu`. Throws UsageError for a core that is not there.
void pin_self_away_from(int client_cpu);

}  // namespace spanbench::cli
