// spanbench: parse options, run the chosen subcommand, print errors in one
// place with one exit code (2: usage, 1: failed run or check, 3: noisy, no
// verdict, 130: interrupted).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/signals.h"
#include "controller/controller.h"
#include "core/error.h"

namespace spanbench::cli {
GlobalOptions& global_options() {
  static GlobalOptions g;
  return g;
}
}  // namespace spanbench::cli

int main(int argc, char** argv) {
  using namespace spanbench;
  CLI::App app{
      "spanbench: measure what a tracing library costs the program that uses it\n"
      "(CPU, memory, spans per second, spans lost) against mock satellites."};
  app.set_version_flag("--version", SPANBENCH_VERSION);
  auto& g = cli::global_options();
  app.add_option("--clients", g.clients_file, "Client registry file")->capture_default_str();
  app.add_option("--log-dir", g.log_dir, "Folder for spanbench.log and per-run client logs")
      ->capture_default_str();
  app.require_subcommand(1);
  cli::add_clients_command(app);
  cli::add_calibrate_command(app);
  cli::add_run_command(app);
  cli::add_satellite_command(app);
  cli::add_check_command(app);
  cli::add_regress_command(app);
  cli::add_graph_command(app);
  cli::add_report_command(app);
  cli::add_compare_command(app);
  cli::install_stop_signals();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "spanbench: " << e.what() << " (see spanbench --help)\n";
    return 2;
  } catch (const RunFailed& e) {
    std::cerr << "spanbench: " << e.what() << "\n";
    return cli::stop_requested() ? 130 : 1;
  } catch (const UsageError& e) {
    std::cerr << "spanbench: " << e.what() << "\n";
    return 2;
  } catch (const NoisyVerdict& e) {
    std::cerr << "spanbench: " << e.what() << "\n";
    return 3;
  } catch (const Error& e) {
    std::cerr << "spanbench: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "spanbench: unexpected error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
