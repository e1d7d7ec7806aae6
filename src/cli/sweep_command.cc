// spanbench sweep: clients x span rates x satellite modes x repetitions,
// from flags or a sweep file, one shard of it when --shard I/N.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "cli/signals.h"
#include "cli/sweep_output.h"
#include "cli/validators.h"
#include "controller/client_registry.h"
#include "core/error.h"
#include "core/file_io.h"
#include "profile/perf_capture.h"
#include "report/format.h"
#include "suites/satellites.h"
#include "suites/sweep.h"

namespace spanbench::cli {
namespace {

namespace fs = std::filesystem;

struct SweepFlags {
  std::string sweep_file;
  std::vector<std::string> clients;
  std::vector<double> rates;
  std::vector<std::string> modes;
  int repetitions = 0;
  double runtime = 0;
  double target_cpu = 0;
  int num_tags = -1;
  int num_logs = -1;
  std::string shard = "1/1";
  std::string out_dir = "results/sweep";
  bool resume = false;
  std::string satellite_ports;
  uint16_t control_port = 8024;
  int client_cpu = -1;
  std::string calibration_file;
  bool profile = false;
  bool no_timeout = false;
};

// The status line: redrawn in place every second on a terminal (stderr),
// one line per step otherwise. Other output goes through say(), which
// clears the status line first so the two never mix.
class SweepDisplay {
 public:
  SweepDisplay() : tty_(isatty(STDERR_FILENO) == 1) {
    if (tty_) ticker_ = std::thread([this] { tick(); });
  }
  ~SweepDisplay() { finish(); }

  void progress(const SweepProgress& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    last_ = p;
    step_started_ = std::chrono::steady_clock::now();
    have_ = true;
    if (tty_) {
      draw_locked();
    } else {
      std::cerr << line_locked(0) << std::endl;
    }
  }

  void say(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tty_ && have_) std::cerr << "\r\x1b[K" << std::flush;
    std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "") << std::flush;
    if (tty_ && have_) draw_locked();
  }

  void finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (done_) return;
      done_ = true;
      if (tty_ && have_) std::cerr << "\r\x1b[K" << std::flush;
    }
    cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
  }

 private:
  void tick() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done_) {
      cv_.wait_for(lock, std::chrono::seconds(1));
      if (!done_ && have_) draw_locked();
    }
  }

  std::string line_locked(double in_step) const {
    const int width = int(std::to_string(last_.total).size());
    return fmt::format("[{:>{}}/{}] {}  ETA {}", std::min(last_.done + 1, last_.total), width,
                       last_.total, last_.label, duration_text(last_.eta_seconds - in_step));
  }

  void draw_locked() {
    double in_step =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - step_started_).count();
    std::cerr << "\r" << line_locked(in_step) << "\x1b[K" << std::flush;
  }

  bool tty_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool have_ = false;
  SweepProgress last_;
  std::chrono::steady_clock::time_point step_started_ = std::chrono::steady_clock::now();
  std::thread ticker_;
};

// The clients a sweep runs when neither the file nor --client names any:
// every client of the registry that reports over the network.
std::vector<std::string> reporting_clients() {
  auto registry = ClientRegistry::load(find_client_registry(global_options().clients_file));
  std::vector<std::string> out;
  for (const auto& e : registry.entries()) {
    if (e.reports_over_network()) out.push_back(e.name);
  }
  return out;
}

// Defaults, then the sweep file's keys, then the flags given.
SweepDefinition definition_from(const SweepFlags& f) {
  SweepDefinition d;
  if (!f.sweep_file.empty()) {
    auto text = try_read_file(f.sweep_file);
    if (!text) {
      throw UsageError("cannot read sweep file " + f.sweep_file +
                       " (the repository ships suites/sweep.toml)");
    }
    d = parse_sweep_file(*text, f.sweep_file, d);
  }
  if (!f.clients.empty()) d.clients = f.clients;
  if (!f.rates.empty()) d.rates = f.rates;
  if (!f.modes.empty()) d.modes = f.modes;
  if (f.repetitions > 0) d.repetitions = f.repetitions;
  if (f.runtime > 0) d.runtime_seconds = f.runtime;
  if (f.target_cpu > 0) d.target_cpu = f.target_cpu;
  if (f.num_tags >= 0) d.num_tags = f.num_tags;
  if (f.num_logs >= 0) d.num_logs = f.num_logs;
  if (f.profile) d.profile = true;
  if (d.clients.empty()) d.clients = reporting_clients();
  return d;
}

std::string run_line(const SweepRunDone& d) {
  const std::string label = d.run->label();
  switch (d.status) {
    case SweepRunDone::Status::resumed:
      return label + ": done before, kept";
    case SweepRunDone::Status::failed:
      return label + ": FAILED: " + d.error;
    case SweepRunDone::Status::measured:
      break;
  }
  const Result& r = d.result;
  std::string line = fmt::format("{}: {} spans/s, {} CPU", label, grouped(r.spans_per_second, 1),
                                 percent(r.cpu_usage));
  if (r.trace)
    line += fmt::format(", {} of {} dropped", grouped(r.dropped_spans), grouped(r.spans_sent));
  if (r.disturbed) line += " (disturbed: " + r.disturbance + ")";
  return line;
}

void run(const SweepFlags& f) {
  SweepDefinition d = definition_from(f);
  if (d.profile) {
    if (auto why = profile::perf_unavailable_reason()) throw UsageError(*why);
  }
  SweepOptions o;
  o.plan = plan_sweep(d, parse_shard(f.shard));
  o.out_dir = f.out_dir;
  o.resume = f.resume;
  o.calibration_file = f.calibration_file;
  o.timeout = !f.no_timeout;
  if (!f.satellite_ports.empty()) o.satellite_ports = parse_ports(f.satellite_ports);
  // Refused before any client starts.
  check_sweep_folder(o.plan, o.out_dir, o.resume);

  SweepDisplay display;
  ClientRunFlags cf;
  cf.client = o.plan.definition.clients.front();
  cf.target_cpu = o.plan.definition.target_cpu;
  cf.control_port = f.control_port;
  cf.client_cpu = f.client_cpu;
  Controller controller = make_controller(cf, [&](const std::string& t) { display.say(t); });
  ControllerSweepBackend backend(controller, &stop_flag());

  display.say(fmt::format("sweep {} (shard {}): {} groups, {} runs of {:g} s into {}",
                          o.plan.plan_id, o.plan.shard.text(), o.plan.groups.size(),
                          o.plan.run_count(), o.plan.definition.runtime_seconds,
                          o.out_dir.string()));
  SweepCallbacks cb;
  cb.on_progress = [&](const SweepProgress& p) { display.progress(p); };
  cb.on_run = [&](const SweepRunDone& r) { display.say(run_line(r)); };
  cb.on_note = [&](const std::string& n) { display.say(n); };
  SweepSummary s = run_sweep(backend, o, cb);
  display.finish();

  std::cout << format_sweep_summary(s, o.out_dir);
  if (s.interrupted) {
    throw Error(fmt::format(
        "interrupted; the {} finished runs are in {}: continue with the same command and --resume",
        s.measured + s.resumed, o.out_dir.string()));
  }
  finish_sweep_folder(o.out_dir);
  if (s.failed > 0) {
    throw Error(fmt::format(
        "{} of {} runs failed (their files carry an \"error\" field); rerun with --resume to "
        "redo them",
        s.failed, s.planned));
  }
}

}  // namespace

void add_sweep_command(CLI::App& root) {
  auto f = std::make_shared<SweepFlags>();
  auto* cmd = root.add_subcommand(
      "sweep",
      "Run clients x span rates x satellite modes x repetitions (or one shard of them) into a "
      "folder, each group calibrated once, each run saved as it ends; then the leaderboard");
  cmd->add_option("--sweep", f->sweep_file,
                  "Sweep file (TOML, e.g. suites/sweep.toml); flags given replace its keys")
      ->check(CLI::ExistingFile);
  cmd->add_option("--client", f->clients,
                  "Clients from the registry, e.g. cpp-datadog,node-datadog (default: the sweep "
                  "file's, else every client that reports over the network)")
      ->delimiter(',');
  cmd->add_option("--rates", f->rates, "Spans per second, e.g. 1000,10000 (default: 1000,10000)")
      ->delimiter(',')
      ->check(positive("spans per second"));
  cmd->add_option("--modes", f->modes,
                  "Satellite modes of the traced runs: typical, slow_succeed, slow_fail "
                  "(default: typical)")
      ->delimiter(',')
      ->check(one_of({"typical", "slow_succeed", "slow_fail"}));
  cmd->add_option("--repetitions", f->repetitions,
                  "Untraced + traced runs of each kind per client and rate (default: 5)")
      ->check(positive_integer("runs"));
  cmd->add_option("--runtime", f->runtime, "Seconds of each run's span loop (default: 10)")
      ->check(between(0.1, 1e6, "seconds"));
  cmd->add_option("--target-cpu", f->target_cpu,
                  "CPU share of one core the untraced client is calibrated to use (default: 0.7)")
      ->check(between(0.01, 0.99));
  cmd->add_option("--num-tags", f->num_tags, "Tags per span (default: 10)")
      ->check(non_negative_integer());
  cmd->add_option("--num-logs", f->num_logs, "Logs per span (default: 15)")
      ->check(non_negative_integer());
  cmd->add_option("--shard", f->shard,
                  "Run part I of N (1-based) of the (client, rate) groups, e.g. 2/3; merge the "
                  "parts with spanbench merge")
      ->capture_default_str();
  cmd->add_option("--out", f->out_dir,
                  "Folder for plan.json, machine.json, runs/<client>/<rate>/... and the "
                  "leaderboard")
      ->check(writable_path(true))
      ->capture_default_str();
  cmd->add_flag("--profile", f->profile,
                "Sample every run's span loop with perf at 499 Hz into run-NNN.folded beside "
                "its result (docs/profiling.md)");
  cmd->add_flag("--no-timeout", f->no_timeout,
                "Do not kill a client after 2 x runtime + 2 s (a busy machine stretches loops)");
  cmd->add_flag("--resume", f->resume,
                "Continue the sweep in --out: runs already finished there are kept, not redone");
  cmd->add_option("--calibration", f->calibration_file,
                  "Start each client from its calibration in FILE (one file holds many clients "
                  "and rates), else calibrate it and save it there")
      ->check(writable_path(false));
  cmd->add_option("--satellite-ports", f->satellite_ports,
                  "Satellite ports, e.g. 8360-8367 or 9000,9001")
      ->check(port_list());
  cmd->add_option("--control-port", f->control_port, "Port of the control server on 127.0.0.1")
      ->check(port_number())
      ->capture_default_str();
  cmd->add_option("--client-cpu", f->client_cpu,
                  "Pin the clients to this core, spanbench and its satellites to the others")
      ->check(CLI::Range(0, 4095));
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
