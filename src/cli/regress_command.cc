#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "cli/signals.h"
#include "cli/validators.h"
#include "controller/client_registry.h"
#include "core/error.h"
#include "report/console_reporter.h"
#include "suites/regress.h"
#include "suites/satellites.h"

namespace spanbench::cli {
namespace {

struct RegressFlags {
  ClientRunFlags client;
  std::string profile = "full";
  std::string suite_file;
  std::string junit_file;
  std::string out_dir = "results/regress";
  std::string satellite_ports;
  bool allow_noise = false;
};

// --suite defaults to suites/regress.toml beside the client registry, then
// in the current folder.
std::filesystem::path default_suite_file() {
  auto beside =
      std::filesystem::absolute(find_client_registry(global_options().clients_file)).parent_path() /
      "suites" / "regress.toml";
  if (std::filesystem::exists(beside)) return beside;
  return "suites/regress.toml";
}

void run(const RegressFlags& f) {
  std::filesystem::path suite =
      f.suite_file.empty() ? default_suite_file() : std::filesystem::path(f.suite_file);
  RegressOptions o;
  o.client = f.client.client;
  o.profile = load_regress_profile(suite, f.profile);
  o.out_dir = f.out_dir;
  o.junit_file = f.junit_file;
  o.stop_flag = &stop_flag();
  o.allow_noise = f.allow_noise;
  if (!f.satellite_ports.empty()) o.satellite_ports = parse_ports(f.satellite_ports);

  Controller controller = make_controller(f.client);
  require_reporting_client(controller, f.client.client, "regress");
  Calibration cal = calibrate_or_reuse(controller, f.client);
  ControllerRunner runner(controller, cal);
  std::cout << fmt::format("regress {} with profile {} of {}", f.client.client, f.profile,
                           suite.string())
            << std::endl;

  RegressCallbacks cb;
  cb.on_run = [](const std::string& run) { std::cout << "  run " << run << std::endl; };
  cb.on_check = [](const RegressCheckResult& c) {
    std::cout << fmt::format("{} {}: {} (limit {}); {}{}", verdict_label(c.verdict), c.name,
                             c.measured_text, c.limit_text, c.detail,
                             c.noise.empty() ? "" : "; no verdict: " + c.noise)
              << std::endl;
  };
  std::string where = fmt::format("{}/regress.json and {}/runs/{}", f.out_dir, f.out_dir,
                                  f.junit_file.empty() ? "" : ", JUnit in " + f.junit_file);
  RegressReport report;
  try {
    report = run_regress(runner, o, cb);
  } catch (const RunFailed&) {
    std::cerr << "interrupted; what was measured is in " << where << "\n";
    throw;
  }
  std::cout << "\n" << format_regress_table(report) << "\nresults in " << where << "\n";
  auto count = [&](Verdict v) {
    size_t n = 0;
    for (const auto& c : report.checks) n += c.verdict == v ? 1 : 0;
    return n;
  };
  if (report.verdict() == Verdict::fail) {
    throw Error(fmt::format("{} failed {} of {} regress checks ({} profile); see {}/regress.json",
                            f.client.client, count(Verdict::fail), report.checks.size(), f.profile,
                            f.out_dir));
  }
  if (report.verdict() == Verdict::noisy) {
    throw NoisyVerdict(fmt::format(
        "no verdict on {} of {} regress checks of {}: noisy (disturbed runs or a measurement "
        "problem, see {}/regress.json); rerun on a quiet machine, or pass --allow-noise",
        count(Verdict::noisy), report.checks.size(), f.client.client, f.out_dir));
  }
  std::cout << f.client.client << " passed every regress check\n";
}

}  // namespace

void add_regress_command(CLI::App& root) {
  auto f = std::make_shared<RegressFlags>();
  auto* cmd = root.add_subcommand(
      "regress",
      "Regression checks of a tracer (memory growth, drops, CPU overhead, throughput) against "
      "limits in a suite file");
  cmd->footer(
      "Exit codes: 0 every check passed; 1 a check failed (or a run could not be done); 2 usage "
      "error, found before anything runs; 3 noisy: no verdict, because runs were disturbed by "
      "other load (without --allow-noise) or the tracer seemed to cost less than nothing; 130 "
      "interrupted.");
  add_client_run_flags(cmd, f->client);
  cmd->add_option("--profile", f->profile,
                  "Suite profile: full (about 6 minutes) or quick (same checks, under 2 minutes)")
      ->capture_default_str();
  cmd->add_option("--suite", f->suite_file,
                  "Suite file with the limits (default: suites/regress.toml beside the registry)");
  cmd->add_option("--junit", f->junit_file, "Also write the verdicts as JUnit XML to FILE")
      ->check(writable_path(false));
  cmd->add_option("--out", f->out_dir, "Folder for regress.json and every run's result")
      ->check(writable_path(true))
      ->capture_default_str();
  cmd->add_option("--satellite-ports", f->satellite_ports,
                  "Satellite ports, e.g. 8360-8367 or 9000,9001")
      ->check(port_list());
  cmd->add_flag("--allow-noise", f->allow_noise,
                "Give verdicts even when runs were disturbed by other load (they are still named)");
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
