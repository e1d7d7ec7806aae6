#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "controller/controller.h"

namespace spanbench::cli {

// Options shared by commands that start clients (calibrate, run).
struct ClientRunFlags {
  std::string client;
  double target_cpu = 0.7;
  uint16_t control_port = 8024;
  std::string calibration_file;
};

void add_client_run_flags(CLI::App* cmd, ClientRunFlags& f);
// A controller for these flags: logs initialised, SIGINT wired to stop the client.
Controller make_controller(const ClientRunFlags& f);
// Calibrates the client at the target CPU share, or reuses --calibration
// FILE when it matches (saving a new one there otherwise); prints it.
Calibration calibrate_or_reuse(Controller& controller, const ClientRunFlags& f);

}  // namespace spanbench::cli
