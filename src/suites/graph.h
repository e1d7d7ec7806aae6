#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "suites/runner.h"

namespace spanbench {

// The four graphs of docs/suites.md ("spanbench graph: the four graphs").
enum class GraphKind {
  kCpu,         // CPU of traced and untraced clients, and the tracer's share, by span rate
  kMemory,      // RSS over time at several span rates
  kDropped,     // CPU and percent of spans dropped, by span rate (up to overload)
  kDisconnect,  // RSS over time: no-op tracer, real tracer, satellites gone, gone and back
};

std::optional<GraphKind> parse_graph_kind(const std::string& name);
std::string graph_name(GraphKind kind);  // cpu, memory, dropped, disconnect

struct GraphOptions {
  GraphKind kind = GraphKind::kCpu;
  std::string client;
  // 0 / empty: the graph's defaults (default_graph_options()).
  int trials = 0;
  double runtime_seconds = 0;
  std::vector<double> rates;
  // Disconnect graph: the real tracer's spans/s, and when the satellites go
  // down and come back (seconds into the run).
  double disconnect_spans_per_second = 1000;
  double down_at_seconds = 30;
  double up_at_seconds = 120;
  std::vector<uint16_t> satellite_ports;  // empty: defaults
  int num_tags = 10;
  int num_logs = 15;
  // out_dir/<graph>.csv grows a row (or a row per RSS sample) after every
  // run; <graph>.png, .svg and .gp are drawn at the end.
  std::filesystem::path out_dir = "graphs";
};

// The rate lists, runtimes and trial counts of docs/suites.md for `kind`.
GraphOptions default_graph_options(GraphKind kind);

struct GraphProgress {
  int run = 0;   // 1-based index of the run starting now (runs + 1 when done)
  int runs = 0;  // total planned
  std::string label;
  double elapsed_seconds = 0;
  double eta_seconds = 0;  // remaining, from the planned runtimes and the pace so far
};

struct GraphFiles {
  std::filesystem::path csv, png, svg, script;
  size_t csv_rows = 0;  // data rows (header excluded)
  int runs = 0;         // runs completed
};

// Runs every run the graph needs, appending each to the CSV as soon as it
// is measured, then draws it with gnuplot. `on_progress` is called before
// each run and once at the end. A failed or interrupted run throws
// RunFailed; the CSV keeps every run finished before it, and
// out_dir/<graph>-failed-run.json the failed run's partial result.
GraphFiles run_graph(Runner& runner, const GraphOptions& options,
                     const std::function<void(const GraphProgress&)>& on_progress = {});

// The runs alone: out_dir/<graph>.csv grows as run_graph's does, and
// `on_progress` ends with the "drawing" step, but nothing is drawn.
GraphFiles measure_graph(Runner& runner, const GraphOptions& options,
                         const std::function<void(const GraphProgress&)>& on_progress = {});

// Draws the graph from an existing CSV (for a graph whose runs were
// interrupted, or to restyle one). Throws spanbench::Error.
GraphFiles plot_graph_csv(GraphKind kind, const std::filesystem::path& csv,
                          const std::string& client);

}  // namespace spanbench
