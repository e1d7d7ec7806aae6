#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "cli/validators.h"
#include "suites/check.h"
#include "suites/satellites.h"

namespace spanbench::cli {

void add_check_command(CLI::App& root) {
  auto flags = std::make_shared<ClientRunFlags>();
  auto opts = std::make_shared<CheckOptions>();
  auto ports = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand(
      "check",
      "Conformance test of a client against real satellites (every span once, shape, drops)");
  add_client_run_flags(cmd, *flags);
  cmd->add_option("--sps", opts->spans_per_second, "Spans per second of each run")
      ->check(positive("spans per second"))
      ->capture_default_str();
  cmd->add_option("--runtime", opts->runtime_seconds, "Seconds of each run")
      ->check(positive("seconds"))
      ->capture_default_str();
  cmd->add_option("--satellite-ports", *ports, "Satellite ports, e.g. 8360-8367")
      ->check(port_list());
  cmd->callback([flags, opts, ports] {
    Controller controller = make_controller(*flags);
    require_reporting_client(controller, flags->client, "check");
    opts->client = flags->client;
    if (!ports->empty()) opts->satellite_ports = parse_ports(*ports);
    Calibration cal = calibrate_or_reuse(controller, *flags);
    std::cout << "checking " << flags->client << "\n";
    ControllerRunner runner(controller, cal);
    CheckReport report = check_client(runner, *opts, [](const CheckStep& s) {
      std::cout << fmt::format("  {}  {:<40} {}", s.passed ? "PASS" : "FAIL", s.name, s.detail)
                << std::endl;
    });
    if (!report.passed()) throw Error("client " + flags->client + " failed the conformance check");
    std::cout << flags->client << " passed\n";
  });
}

}  // namespace spanbench::cli
