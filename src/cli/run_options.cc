#include "cli/run_options.h"

#include <iostream>

#include "cli/commands.h"
#include "cli/signals.h"
#include "core/log.h"
#include "report/console_reporter.h"

namespace spanbench::cli {

void add_client_run_flags(CLI::App* cmd, ClientRunFlags& f) {
  cmd->add_option("--client", f.client, "Client name from the registry (see: spanbench clients)")
      ->required();
  cmd->add_option("--target-cpu", f.target_cpu,
                  "CPU share of one core the untraced client should use")
      ->check(CLI::Range(0.01, 0.99))
      ->capture_default_str();
  cmd->add_option("--control-port", f.control_port, "Port of the control server on 127.0.0.1")
      ->capture_default_str();
  cmd->add_option("--calibration", f.calibration_file,
                  "Reuse the calibration in FILE if it matches, else calibrate and save it there");
}

Controller make_controller(const ClientRunFlags& f) {
  // An unknown client name is a usage error, found before any port is bound.
  ClientRegistry::load(global_options().clients_file).get(f.client);
  init_logging(global_options().log_dir);
  ControllerOptions o;
  o.clients_file = global_options().clients_file;
  o.log_dir = global_options().log_dir;
  o.control_port = f.control_port;
  o.stop_flag = &stop_flag();
  return Controller(o);
}

Calibration calibrate_or_reuse(Controller& controller, const ClientRunFlags& f) {
  CalibrationOptions co;
  co.target_cpu = f.target_cpu;
  Calibration cal = f.calibration_file.empty()
                        ? controller.calibrate(f.client, co)
                        : controller.calibrate_cached(f.client, co, f.calibration_file);
  std::cout << format_calibration(cal) << std::flush;
  return cal;
}

}  // namespace spanbench::cli
