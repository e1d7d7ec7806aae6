#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "cli/signals.h"
#include "cli/validators.h"
#include "report/console_reporter.h"
#include "report/json_reporter.h"
#include "suites/repeat.h"
#include "suites/runner.h"
#include "suites/satellites.h"

namespace spanbench::cli {
namespace {

struct RunFlags {
  ClientRunFlags client;
  bool trace = true;
  double sps = 100;
  double runtime = 10;
  bool no_flush = false;
  bool no_timeout = false;
  int num_tags = 10;
  int num_logs = 15;
  std::string json_file;
  std::string satellites = "typical";
  std::string satellite_ports;
  int repeat = 0;  // 0: one run; N: N traced and N untraced runs into out_dir
  std::string out_dir = "repeat";
  bool allow_noise = false;
};

// --repeat N: a result set for `spanbench compare`, each run on disk as
// soon as it is measured.
void run_repeated(Runner& runner, const RunOptions& ro, const RunFlags& f) {
  RepeatOptions o;
  o.run = ro;
  o.repetitions = f.repeat;
  o.out_dir = f.out_dir;
  o.allow_noise = f.allow_noise;
  std::cout << fmt::format(
                   "{} traced and {} untraced runs, alternating, into {}/traced and {}/untraced",
                   f.repeat, f.repeat, f.out_dir, f.out_dir)
            << std::endl;
  OverheadAnalysis summary;
  try {
    summary = run_repeat(runner, o, [&](const RepeatRun& r) {
      std::cout << fmt::format("  {} {}/{}: {:.1f} spans/s, {:.1f}% CPU, {} of {} dropped -> {}{}",
                               r.trace ? "traced  " : "untraced", r.repetition, f.repeat,
                               r.result.spans_per_second, r.result.cpu_usage * 100,
                               r.result.dropped_spans, r.result.spans_sent, r.file.string(),
                               r.result.disturbed ? " DISTURBED: " + r.result.disturbance : "")
                << std::endl;
    });
  } catch (const RunFailed&) {
    std::cerr << "stopped; the runs measured so far are in " << f.out_dir
              << " (a failed run's partial result carries an \"error\" field)\n";
    throw;
  }
  std::cout << "\n" << format_overhead(summary);
  std::cout << fmt::format(
      "summary written to {}/summary.json; compare sets with: spanbench compare {}/untraced "
      "{}/traced\n",
      f.out_dir, f.out_dir, f.out_dir);
}

void run(const RunFlags& f) {
  Controller controller = make_controller(f.client);
  Calibration cal = calibrate_or_reuse(controller, f.client);
  ControllerRunner runner(controller, cal);

  std::vector<uint16_t> ports;
  if (!f.satellite_ports.empty()) ports = parse_ports(f.satellite_ports);
  RunRecorder recorder(runner, f.client.client, f.satellites, ports);

  RunOptions ro = recorder.options();
  ro.trace = f.trace;
  ro.spans_per_second = f.sps;
  ro.runtime_seconds = f.runtime;
  ro.no_flush = f.no_flush;
  ro.timeout = !f.no_timeout;
  ro.num_tags = f.num_tags;
  ro.num_logs = f.num_logs;

  if (f.repeat > 0) {
    run_repeated(runner, ro, f);
    return;
  }

  Result r;
  try {
    // Keep what was measured: a failed or interrupted run still goes to --json.
    r = recorder.run(ro, {f.json_file});
  } catch (const RunFailed&) {
    if (!f.json_file.empty()) std::cerr << "partial result written to " << f.json_file << "\n";
    throw;
  }
  std::cout << format_result(r);
  if (!f.json_file.empty()) std::cout << "result written to " << f.json_file << "\n";
}

}  // namespace

void add_run_command(CLI::App& root) {
  auto f = std::make_shared<RunFlags>();
  auto* cmd = root.add_subcommand(
      "run",
      "Calibrate a client, then run it once (or --repeat N times each way) and print the result");
  add_client_run_flags(cmd, f->client);
  cmd->add_flag("--trace,!--no-trace", f->trace,
                "Use the real tracer (default) or the no-op tracer");
  cmd->add_option("--sps", f->sps, "Target spans per second")
      ->check(positive("spans per second"))
      ->capture_default_str();
  cmd->add_option("--runtime", f->runtime, "Target runtime in seconds")
      ->check(positive("seconds"))
      ->capture_default_str();
  cmd->add_flag("--no-flush", f->no_flush, "Ask the client to exit without flushing its tracer");
  cmd->add_flag("--no-timeout", f->no_timeout, "Do not kill the client after 2 x runtime + 2 s");
  cmd->add_option("--num-tags", f->num_tags, "Tags per span")
      ->check(non_negative_integer())
      ->capture_default_str();
  cmd->add_option("--num-logs", f->num_logs, "Logs per span")
      ->check(non_negative_integer())
      ->capture_default_str();
  cmd->add_option("--satellites", f->satellites, "Satellite mode: " + satellite_modes_help())
      ->check(one_of(satellite_modes()))
      ->capture_default_str();
  cmd->add_option("--satellite-ports", f->satellite_ports,
                  "Satellite ports, e.g. 8360-8367 or 9000,9001")
      ->check(port_list());
  cmd->add_option("--json", f->json_file, "Write the full result as JSON to FILE")
      ->check(writable_path(false));
  cmd->add_option("--repeat", f->repeat,
                  "Run N traced and N untraced runs, alternating, each saved as it ends (a result "
                  "set for spanbench compare)")
      ->check(positive_integer("runs"));
  cmd->add_option("--out", f->out_dir,
                  "With --repeat: folder for traced/run-001.json, untraced/run-001.json, ...")
      ->check(writable_path(true))
      ->capture_default_str();
  cmd->add_flag("--allow-noise", f->allow_noise,
                "With --repeat: report the overhead even when runs were disturbed (they are still "
                "named)");
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
