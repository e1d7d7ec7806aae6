#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "cli/signals.h"
#include "cli/validators.h"
#include "profile/perf_capture.h"
#include "report/console_reporter.h"
#include "report/export.h"
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
  std::string out_dir = "results/repeat";
  bool allow_noise = false;
  std::string export_markdown, export_csv, export_json;
  int profile_hz = 0;  // 0: no --profile
};

// One line naming a profiled run's folded stacks ("" when not profiled).
std::string profile_line(const Result& r, const std::filesystem::path& folder) {
  if (!r.profile) return "";
  const auto& p = *r.profile;
  std::filesystem::path file = folder.empty() ? std::filesystem::path(p.folded) : folder / p.folded;
  return fmt::format(
      "profile: {} samples at {:g} Hz ({} unwinding) -> {}{}\n", p.samples, p.frequency_hz,
      p.unwinding, file.string(),
      p.notes.empty()
          ? ""
          : "; " + p.notes.front() +
                (p.notes.size() > 1 ? fmt::format(" (+{} notes in the JSON)", p.notes.size() - 1)
                                    : ""));
}

ExportManager exports_for(const RunFlags& f) {
  ExportManager m;
  if (!f.export_markdown.empty()) m.add(ExportFormat::markdown, f.export_markdown);
  if (!f.export_csv.empty()) m.add(ExportFormat::csv, f.export_csv);
  if (!f.export_json.empty()) m.add(ExportFormat::json, f.export_json);
  return m;
}

// Rewrites every export with the runs so far (nothing when none was asked for).
void write_exports(const ExportManager& exports, const std::vector<NamedResult>& runs,
                   size_t planned, const std::vector<std::string>& failed,
                   const std::string& verdict = "") {
  if (exports.empty()) return;
  RunSetExport e = make_export(runs, planned);
  e.failed = failed;
  e.verdict = verdict;
  exports.write(e);
}

void say_exports_written(const ExportManager& exports) {
  for (const auto& file : exports.files()) std::cout << "exported to " << file.string() << "\n";
}

// --repeat N: a result set for `spanbench compare`, each run on disk as
// soon as it is measured.
void run_repeated(Runner& runner, const RunOptions& ro, const RunFlags& f,
                  const ExportManager& exports) {
  RepeatOptions o;
  o.run = ro;
  o.repetitions = f.repeat;
  o.out_dir = f.out_dir;
  o.allow_noise = f.allow_noise;
  std::cout << fmt::format(
                   "{} traced and {} untraced runs, alternating, into {}/traced and {}/untraced",
                   f.repeat, f.repeat, f.out_dir, f.out_dir)
            << std::endl;
  size_t planned = 2 * size_t(f.repeat);
  std::vector<NamedResult> done;
  OverheadAnalysis summary;
  try {
    summary = run_repeat(runner, o, [&](const RepeatRun& r) {
      std::cout << fmt::format("  {} {}/{}: {:.1f} spans/s, {:.1f}% CPU, {} of {} dropped -> {}{}",
                               r.trace ? "traced  " : "untraced", r.repetition, f.repeat,
                               r.result.spans_per_second, r.result.cpu_usage * 100,
                               r.result.dropped_spans, r.result.spans_sent, r.file.string(),
                               r.result.disturbed ? " DISTURBED: " + r.result.disturbance : "")
                << std::endl;
      if (r.result.profile) std::cout << "    " << profile_line(r.result, r.file.parent_path());
      done.push_back({std::filesystem::relative(r.file, f.out_dir).generic_string(), r.result});
      write_exports(exports, done, planned, {});
    });
  } catch (const RunFailed& e) {
    write_exports(exports, done, planned,
                  {fmt::format("run {} of {}: {}", done.size() + 1, planned, e.what())});
    if (!done.empty()) std::cout << "\n" << format_summary_table(summarize_runs(done));
    std::cerr << "stopped; the runs measured so far are in " << f.out_dir
              << " (a failed run's partial result carries an \"error\" field)\n";
    throw;
  }
  write_exports(exports, done, planned, {}, summary.status_text);
  std::cout << "\n" << format_summary_table(summarize_runs(done)) << format_overhead(summary);
  std::cout << fmt::format(
      "summary written to {}/summary.json; compare sets with: spanbench compare {}/untraced "
      "{}/traced\n",
      f.out_dir, f.out_dir, f.out_dir);
  say_exports_written(exports);
}

void run(const RunFlags& f) {
  ExportManager exports = exports_for(f);  // checked before anything runs
  if (f.profile_hz > 0) {
    if (auto why = profile::perf_unavailable_reason()) throw UsageError(*why);
  }
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
  ro.profile = f.profile_hz > 0;
  if (ro.profile) ro.profile_hz = f.profile_hz;

  if (f.repeat > 0) {
    run_repeated(runner, ro, f, exports);
    return;
  }

  std::string name = f.trace ? "traced" : "untraced";
  Result r;
  try {
    // Keep what was measured: a failed or interrupted run still goes to --json.
    r = recorder.run(ro, {f.json_file});
  } catch (const RunFailed& e) {
    write_exports(exports, {}, 1, {name + ": " + e.what()});
    if (!f.json_file.empty()) std::cerr << "partial result written to " << f.json_file << "\n";
    throw;
  }
  std::cout << format_result(r);
  if (!f.json_file.empty()) std::cout << "result written to " << f.json_file << "\n";
  std::cout << profile_line(r, f.json_file.empty()
                                   ? std::filesystem::path()
                                   : std::filesystem::path(f.json_file).parent_path());
  write_exports(exports, {{name, r}}, 1, {});
  say_exports_written(exports);
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
  cmd->add_option("--export-markdown", f->export_markdown,
                  "Write a summary table and a row per run as Markdown to FILE (rewritten after "
                  "every run)")
      ->check(writable_path(false));
  cmd->add_option("--export-csv", f->export_csv,
                  "Write the summary as CSV to FILE: a row per set and metric, and the overhead")
      ->check(writable_path(false));
  cmd->add_option("--export-json", f->export_json,
                  "Write the summary, the overhead and every run's result as JSON to FILE")
      ->check(writable_path(false));
  cmd->add_flag("--profile{499}", f->profile_hz,
                "Sample the client's span loop with perf at HZ (--profile=HZ, default 499) into "
                "folded stacks beside the result (docs/profiling.md)")
      ->check(CLI::Range(1, 20000));
  cmd->add_flag("--allow-noise", f->allow_noise,
                "With --repeat: report the overhead even when runs were disturbed (they are still "
                "named)");
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
