#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "cli/validators.h"
#include "report/console_reporter.h"

namespace spanbench::cli {

struct CalibrateFlags {
  ClientRunFlags client;
  std::vector<double> rates = {100};
  double runtime = 10;
  std::string out;
};

void add_calibrate_command(CLI::App& root) {
  auto f = std::make_shared<CalibrateFlags>();
  auto* cmd = root.add_subcommand(
      "calibrate",
      "Find the work and sleep that make a client's span loop use the target CPU share at each "
      "span rate (no-op tracer)");
  add_client_run_flags(cmd, f->client);
  cmd->add_option("--sps", f->rates, "Span rates to close the loop at, e.g. 100,1000")
      ->delimiter(',')
      ->check(positive("spans per second"))
      ->capture_default_str();
  cmd->add_option("--runtime", f->runtime, "Runtime of the runs this calibration is for")
      ->check(positive("seconds"))
      ->capture_default_str();
  cmd->add_option("-o,--out", f->out,
                  "Write the calibration as JSON to FILE (reusable with run --calibration)")
      ->check(writable_path(false));
  cmd->callback([f] {
    ClientRunFlags flags = f->client;
    if (!f->out.empty()) flags.calibration_file = f->out;
    Controller controller = make_controller(flags);
    CalibrationOptions co;
    co.target_cpu = flags.target_cpu;
    Calibration c = controller.calibrate(flags.client, co);
    std::cout << format_calibration(c);
    for (double sps : f->rates) {
      const RateFit& fit = controller.fit_rate(c, sps, f->runtime, co);
      std::cout << format_rate_fit(c, fit, true, "");
    }
    if (!flags.calibration_file.empty()) {
      save_calibration(c, flags.calibration_file);
      std::cout << "saved to " << flags.calibration_file << "\n";
    }
  });
}

}  // namespace spanbench::cli
