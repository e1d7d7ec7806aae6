#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "cli/signals.h"
#include "cli/validators.h"
#include "report/console_reporter.h"
#include "report/format.h"
#include "suites/graph.h"
#include "suites/satellites.h"

namespace spanbench::cli {
namespace {

struct GraphFlags {
  ClientRunFlags client;
  std::string kind;
  int trials = 0;
  double runtime = 0;
  std::string rates;
  double sps = 1000;
  double down_at = 30;
  double up_at = 120;
  std::string out_dir = "results/graphs";
  std::string satellite_ports;
  bool replot = false;
};

std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      size_t used = 0;
      double v = std::stod(item, &used);
      if (used != item.size() || v <= 0) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (const std::exception&) {
      throw UsageError(
          "--rates takes positive spans-per-second values separated by commas, e.g. "
          "100,500,1000; got \"" +
          item + "\"");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The current run and an ETA: a bar redrawn every second on a terminal,
// one line per run otherwise (logs, CI).
class ProgressDisplay {
 public:
  ProgressDisplay() : tty_(isatty(STDOUT_FILENO) == 1) {
    if (tty_) ticker_ = std::thread([this] { tick(); });
  }
  ~ProgressDisplay() { finish(); }

  void update(const GraphProgress& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    last_ = p;
    run_started_ = std::chrono::steady_clock::now();
    if (tty_) {
      draw_locked();
    } else if (p.run <= p.runs) {
      std::cout << fmt::format("[{}/{}] {} (ETA {})", p.run, p.runs, p.label,
                               duration_text(p.eta_seconds))
                << std::endl;
    } else {
      std::cout << p.label << std::endl;
    }
  }

  void finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (done_) return;
      done_ = true;
      if (tty_ && last_.runs > 0) std::cout << "\n" << std::flush;
    }
    cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
  }

 private:
  void tick() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done_) {
      cv_.wait_for(lock, std::chrono::seconds(1));
      if (!done_ && last_.runs > 0) draw_locked();
    }
  }

  void draw_locked() {
    const int width = 24;
    int finished = std::min(last_.run - 1, last_.runs);
    int filled = last_.runs > 0 ? finished * width / last_.runs : 0;
    double in_run =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started_).count();
    std::string bar(size_t(filled), '#');
    bar += std::string(size_t(width - filled), '.');
    std::string line =
        fmt::format("\r[{}] {}/{} {}  {}  ETA {}", bar, std::min(last_.run, last_.runs), last_.runs,
                    last_.label, duration_text(in_run), duration_text(last_.eta_seconds - in_run));
    // Clear what a longer previous line left behind.
    std::cout << line << "\x1b[K" << std::flush;
  }

  bool tty_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  GraphProgress last_;
  std::chrono::steady_clock::time_point run_started_ = std::chrono::steady_clock::now();
  std::thread ticker_;
};

void run(const GraphFlags& f) {
  auto kind = parse_graph_kind(f.kind);
  if (!kind)
    throw UsageError("unknown graph \"" + f.kind + "\": use cpu, memory, dropped or disconnect");
  GraphOptions o = default_graph_options(*kind);
  o.client = f.client.client;
  if (f.trials > 0) o.trials = f.trials;
  if (f.runtime > 0) o.runtime_seconds = f.runtime;
  if (!f.rates.empty()) o.rates = parse_rates(f.rates);
  o.disconnect_spans_per_second = f.sps;
  o.down_at_seconds = f.down_at;
  o.up_at_seconds = f.up_at;
  o.out_dir = f.out_dir;
  if (!f.satellite_ports.empty()) o.satellite_ports = parse_ports(f.satellite_ports);
  // Checked here, before the calibration, as well as by the suite.
  if (o.kind == GraphKind::kDisconnect) {
    if (!(o.down_at_seconds < o.up_at_seconds)) {
      throw UsageError(fmt::format("--down-at ({:g} s) must come before --up-at ({:g} s)",
                                   o.down_at_seconds, o.up_at_seconds));
    }
    if (o.up_at_seconds >= o.runtime_seconds) {
      throw UsageError(fmt::format(
          "--up-at ({:g} s) must come before the end of the {:g} s run: pass a longer --runtime "
          "or an earlier --up-at",
          o.up_at_seconds, o.runtime_seconds));
    }
  }
  std::string name = graph_name(*kind);
  auto csv = o.out_dir / (name + ".csv");

  if (f.replot) {
    GraphFiles g = plot_graph_csv(*kind, csv, f.client.client);
    std::cout << fmt::format("{} graph redrawn from {} ({} rows): {}, {}\n", name, g.csv.string(),
                             g.csv_rows, g.png.string(), g.svg.string());
    return;
  }

  Controller controller = make_controller(f.client);
  Calibration cal = calibrate_or_reuse(controller, f.client);
  ControllerRunner runner(controller, cal);

  GraphFiles g;
  {
    ProgressDisplay progress;
    try {
      g = run_graph(runner, o, [&](const GraphProgress& p) { progress.update(p); });
    } catch (const RunFailed&) {
      progress.finish();
      std::cerr << fmt::format(
          "{}; every finished run is in {} (draw it with: spanbench graph {} --client {} --out {} "
          "--replot)\n",
          stop_requested() ? "interrupted" : "a run failed", csv.string(), name, f.client.client,
          o.out_dir.string());
      throw;
    }
  }
  std::cout << fmt::format("{} graph of {} runs: {}, {} (data: {}, {} rows; script: {})\n", name,
                           g.runs, g.png.string(), g.svg.string(), g.csv.string(), g.csv_rows,
                           g.script.string());
}

}  // namespace

void add_graph_command(CLI::App& root) {
  auto f = std::make_shared<GraphFlags>();
  auto* cmd = root.add_subcommand(
      "graph",
      "Draw one of the four graphs (cpu, memory, dropped, disconnect) as PNG and SVG, with its "
      "data as CSV");
  cmd->add_option("graph", f->kind, "cpu, memory, dropped or disconnect")
      ->required()
      ->check(one_of({"cpu", "memory", "dropped", "disconnect"}));
  add_client_run_flags(cmd, f->client);
  cmd->add_option("--trials", f->trials,
                  "Runs per point (default: cpu 5, dropped 3, memory and disconnect 1)")
      ->check(positive_integer());
  cmd->add_option("--runtime", f->runtime,
                  "Seconds per run (default: cpu and dropped 10, memory 100, disconnect 180)")
      ->check(positive("seconds"));
  cmd->add_option("--rates", f->rates,
                  "Span rates, e.g. 100,500,1000 (default: the graph's list in docs/suites.md)");
  cmd->add_option("--sps", f->sps, "Disconnect graph: spans per second of every run")
      ->check(positive("spans per second"))
      ->capture_default_str();
  cmd->add_option("--down-at", f->down_at, "Disconnect graph: seconds until the satellites go down")
      ->check(positive("seconds"))
      ->capture_default_str();
  cmd->add_option("--up-at", f->up_at, "Disconnect graph: seconds until they come back")
      ->check(positive("seconds"))
      ->capture_default_str();
  cmd->add_option("--out", f->out_dir, "Folder for <graph>.csv, .png, .svg and .gp")
      ->check(writable_path(true))
      ->capture_default_str();
  cmd->add_option("--satellite-ports", f->satellite_ports,
                  "Satellite ports, e.g. 8360-8367 or 9000,9001")
      ->check(port_list());
  cmd->add_flag("--replot", f->replot, "Only redraw the graph from the CSV already in --out");
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
