#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "report/console_reporter.h"

namespace spanbench::cli {

void add_calibrate_command(CLI::App& root) {
  auto flags = std::make_shared<ClientRunFlags>();
  auto out = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand(
      "calibrate",
      "Find the work and sleep that make a client use the target CPU share (no-op tracer)");
  add_client_run_flags(cmd, *flags);
  cmd->add_option("-o,--out", *out,
                  "Write the calibration as JSON to FILE (reusable with run --calibration)");
  cmd->callback([flags, out] {
    Controller controller = make_controller(*flags);
    CalibrationOptions co;
    co.target_cpu = flags->target_cpu;
    Calibration c = controller.calibrate(flags->client, co);
    std::cout << format_calibration(c);
    std::string file = !out->empty() ? *out : flags->calibration_file;
    if (!file.empty()) {
      save_calibration(c, file);
      std::cout << "saved to " << file << "\n";
    }
  });
}

}  // namespace spanbench::cli
