#include "suites/graph.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "report/csv.h"
#include "report/gnuplot.h"
#include "report/json_reporter.h"
#include "stats/statistics.h"
#include "suites/runner.h"

namespace spanbench {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

// Controller and process start-up plus the wait for satellite counts to
// settle, on top of each run's runtime (for the ETA only).
constexpr double kRunOverheadSeconds = 0.6;

const CsvRow& csv_header(GraphKind kind) {
  static const CsvRow cpu = {"target_spans_per_second",
                             "trace",
                             "trial",
                             "cpu_usage",
                             "program_time",
                             "clock_time",
                             "spans_sent",
                             "spans_received",
                             "dropped_spans",
                             "max_rss_bytes"};
  static const CsvRow memory = {"target_spans_per_second", "trial", "second", "rss_bytes"};
  static const CsvRow dropped = {"target_spans_per_second", "trial",      "cpu_usage",
                                 "dropped_percent",         "spans_sent", "spans_received",
                                 "spans_per_second",        "clock_time"};
  static const CsvRow disconnect = {"series", "trial", "second", "rss_bytes"};
  switch (kind) {
    case GraphKind::kCpu:
      return cpu;
    case GraphKind::kMemory:
      return memory;
    case GraphKind::kDropped:
      return dropped;
    case GraphKind::kDisconnect:
      return disconnect;
  }
  return cpu;
}

std::string num(double v) { return csv_number(v); }
std::string num(int64_t v) { return std::to_string(v); }

// Rows of RSS samples, one per second of the run.
std::vector<CsvRow> rss_rows(const std::string& key, int trial, const Result& r) {
  std::vector<CsvRow> rows;
  for (size_t k = 0; k < r.memory_list.size(); ++k) {
    rows.push_back({key, std::to_string(trial), std::to_string(k + 1), num(r.memory_list[k])});
  }
  if (rows.empty()) {
    // A run shorter than one sample interval: its peak, at its end.
    rows.push_back({key, std::to_string(trial), num(r.clock_time), num(r.max_rss_bytes)});
  }
  return rows;
}

// One run the graph needs.
struct PlannedRun {
  std::string label;
  std::string series;  // disconnect only
  double rate = 0;
  bool trace = true;
  int trial = 1;
  std::optional<double> down_at, up_at;  // disconnect only
};

std::vector<PlannedRun> plan(const GraphOptions& o) {
  std::vector<PlannedRun> runs;
  std::string g = graph_name(o.kind);
  for (int t = 1; t <= o.trials; ++t) {
    if (o.kind == GraphKind::kDisconnect) {
      auto add = [&](std::string series, bool trace, std::optional<double> down,
                     std::optional<double> up, std::string what) {
        runs.push_back({fmt::format("disconnect: {} (trial {}/{})", what, t, o.trials),
                        std::move(series), o.disconnect_spans_per_second, trace, t, down, up});
      };
      add("noop", false, std::nullopt, std::nullopt, "no-op tracer");
      add("tracer", true, std::nullopt, std::nullopt, "real tracer");
      add(fmt::format("down-at-{:g}s", o.down_at_seconds), true, o.down_at_seconds, std::nullopt,
          fmt::format("satellites down at {:g} s", o.down_at_seconds));
      add(fmt::format("down-at-{:g}s-up-at-{:g}s", o.down_at_seconds, o.up_at_seconds), true,
          o.down_at_seconds, o.up_at_seconds,
          fmt::format("satellites down at {:g} s, back at {:g} s", o.down_at_seconds,
                      o.up_at_seconds));
      continue;
    }
    for (double rate : o.rates) {
      for (bool trace : {true, false}) {
        if (!trace && o.kind != GraphKind::kCpu) continue;
        runs.push_back({fmt::format("{}: {} {:g} spans/s (trial {}/{})", g,
                                    trace ? "traced" : "untraced", rate, t, o.trials),
                        "", rate, trace, t, std::nullopt, std::nullopt});
      }
    }
  }
  return runs;
}

// The disconnect series' satellites go down and come back on its schedule.
SatelliteOutage outage(const PlannedRun& run) {
  auto ms = [](double s) { return std::chrono::milliseconds(std::llround(s * 1000)); };
  SatelliteOutage o;
  if (run.down_at) o.down_at = ms(*run.down_at);
  if (run.up_at) o.up_at = ms(*run.up_at);
  return o;
}

// Column index by name; throws when the CSV is not this graph's.
size_t column(const CsvRow& header, const std::string& name, const fs::path& csv) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw Error(
      fmt::format("{} has no column \"{}\": is it a CSV of this graph?", csv.string(), name));
}

double to_double(const std::string& s) {
  try {
    return std::stod(s);
  } catch (const std::exception&) {
    return std::nan("");
  }
}

// Mean and standard deviation of values grouped by a key, in key order.
template <typename Key>
struct Groups {
  std::map<Key, std::vector<double>> values;
  void add(const Key& k, double v) {
    if (!std::isnan(v)) values[k].push_back(v);
  }
};

PlotSeries series_from(const std::string& title, const std::map<double, std::vector<double>>& by_x,
                       double scale, bool band) {
  PlotSeries s;
  s.title = title;
  for (const auto& [x, v] : by_x) {
    s.x.push_back(x);
    s.y.push_back(stats::mean(v) * scale);
    if (band) s.y_band.push_back(stats::stddev(v) * scale);
  }
  return s;
}

std::string series_title(const std::string& series) {
  if (series == "noop") return "no-op tracer";
  if (series == "tracer") return "real tracer";
  std::string t = series;
  for (auto& c : t) {
    if (c == '-') c = ' ';
  }
  return "satellites " + t;  // "satellites down at 30s up at 120s"
}

Plot build_plot(GraphKind kind, const std::vector<CsvRow>& rows, const fs::path& csv,
                const std::string& client) {
  if (rows.empty()) throw Error(csv.string() + " is empty: it should start with a header row");
  const CsvRow& h = rows.front();
  Plot p;
  std::string who = client.empty() ? "" : " of " + client;
  switch (kind) {
    case GraphKind::kCpu: {
      size_t rate = column(h, "target_spans_per_second", csv), trace = column(h, "trace", csv),
             cpu = column(h, "cpu_usage", csv);
      std::map<double, std::vector<double>> traced, untraced;
      for (size_t i = 1; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (r.size() < h.size()) continue;
        (r[trace] == "true" ? traced : untraced)[to_double(r[rate])].push_back(to_double(r[cpu]));
      }
      p.title = "CPU" + who + ", traced and untraced (mean +- sd)";
      p.x_label = "spans per second";
      p.y_label = "CPU usage (% of one core)";
      p.log_x = true;
      p.series.push_back(series_from("traced", traced, 100, true));
      p.series.push_back(series_from("untraced", untraced, 100, true));
      PlotSeries share;
      share.title = "tracer's share (traced - untraced)";
      for (const auto& [x, v] : traced) {
        auto u = untraced.find(x);
        if (u == untraced.end()) continue;
        share.x.push_back(x);
        share.y.push_back((stats::mean(v) - stats::mean(u->second)) * 100);
      }
      p.series.push_back(share);  // no y_min: the share can dip below 0 by noise
      break;
    }
    case GraphKind::kDropped: {
      size_t rate = column(h, "target_spans_per_second", csv), cpu = column(h, "cpu_usage", csv),
             dropped = column(h, "dropped_percent", csv);
      std::map<double, std::vector<double>> cpus, drops;
      for (size_t i = 1; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (r.size() < h.size()) continue;
        cpus[to_double(r[rate])].push_back(to_double(r[cpu]));
        drops[to_double(r[rate])].push_back(to_double(r[dropped]));
      }
      p.title = "CPU and spans dropped" + who + " (mean +- sd)";
      p.x_label = "spans per second";
      p.y_label = "CPU usage (% of one core)";
      p.y2_label = "spans dropped (%)";
      p.log_x = true;
      p.y_min = 0;
      p.y2_min = 0;
      p.series.push_back(series_from("CPU", cpus, 100, true));
      PlotSeries d = series_from("dropped", drops, 1, true);
      d.right_axis = true;
      p.series.push_back(d);
      break;
    }
    case GraphKind::kMemory:
    case GraphKind::kDisconnect: {
      bool mem = kind == GraphKind::kMemory;
      size_t key = column(h, mem ? "target_spans_per_second" : "series", csv),
             second = column(h, "second", csv), rss = column(h, "rss_bytes", csv);
      // Series in first-seen order; per series, RSS by second across trials.
      std::vector<std::string> order;
      std::map<std::string, std::map<double, std::vector<double>>> by_series;
      for (size_t i = 1; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (r.size() < h.size()) continue;
        if (!by_series.count(r[key])) order.push_back(r[key]);
        by_series[r[key]][to_double(r[second])].push_back(to_double(r[rss]));
      }
      p.title = mem ? "Memory" + who + " over time (RSS)"
                    : "Memory" + who + " over time when the satellites go away (RSS)";
      p.x_label = "seconds into the run";
      p.y_label = "RSS (MiB)";
      p.y_min = 0;
      for (const auto& s : order) {
        std::string title = mem ? s + " spans/s" : series_title(s);
        bool band = false;
        for (const auto& [x, v] : by_series[s]) band = band || v.size() > 1;
        p.series.push_back(series_from(title, by_series[s], 1.0 / (1 << 20), band));
      }
      break;
    }
  }
  return p;
}

}  // namespace

std::optional<GraphKind> parse_graph_kind(const std::string& name) {
  if (name == "cpu") return GraphKind::kCpu;
  if (name == "memory") return GraphKind::kMemory;
  if (name == "dropped") return GraphKind::kDropped;
  if (name == "disconnect") return GraphKind::kDisconnect;
  return std::nullopt;
}

std::string graph_name(GraphKind kind) {
  switch (kind) {
    case GraphKind::kCpu:
      return "cpu";
    case GraphKind::kMemory:
      return "memory";
    case GraphKind::kDropped:
      return "dropped";
    case GraphKind::kDisconnect:
      return "disconnect";
  }
  return "cpu";
}

GraphOptions default_graph_options(GraphKind kind) {
  GraphOptions o;
  o.kind = kind;
  switch (kind) {
    case GraphKind::kCpu:
      o.rates = {100, 200, 500, 1000, 2000, 5000, 10000};
      o.runtime_seconds = 10;
      o.trials = 5;
      break;
    case GraphKind::kMemory:
      o.rates = {100, 500, 1000, 2000};
      o.runtime_seconds = 100;
      o.trials = 1;
      break;
    case GraphKind::kDropped:
      o.rates = {500, 1000, 2000, 5000, 10000, 20000, 50000, 100000};
      o.runtime_seconds = 10;
      o.trials = 3;
      break;
    case GraphKind::kDisconnect:
      o.runtime_seconds = 180;
      o.trials = 1;
      break;
  }
  return o;
}

GraphFiles plot_graph_csv(GraphKind kind, const fs::path& csv, const std::string& client) {
  std::vector<CsvRow> rows = read_csv_file(csv);
  Plot plot = build_plot(kind, rows, csv, client);
  fs::path stem = csv;
  stem.replace_extension();
  render_plot(plot, stem);
  GraphFiles f;
  f.csv = csv;
  f.png = fs::path(stem).replace_extension(".png");
  f.svg = fs::path(stem).replace_extension(".svg");
  f.script = fs::path(stem).replace_extension(".gp");
  f.csv_rows = rows.empty() ? 0 : rows.size() - 1;
  return f;
}

namespace {

// The graph's defaults where the options leave a value open; throws
// UsageError for a disconnect schedule that does not fit the run.
GraphOptions complete(const GraphOptions& options) {
  GraphOptions o = options;
  GraphOptions d = default_graph_options(o.kind);
  if (o.trials <= 0) o.trials = d.trials;
  if (o.runtime_seconds <= 0) o.runtime_seconds = d.runtime_seconds;
  if (o.rates.empty()) o.rates = d.rates;
  if (o.kind == GraphKind::kDisconnect) {
    if (!(o.down_at_seconds > 0 && o.up_at_seconds > o.down_at_seconds)) {
      throw UsageError(
          "the satellites must go down after the start and come back later: "
          "0 < --down-at < --up-at");
    }
    if (o.up_at_seconds >= o.runtime_seconds) {
      throw UsageError(fmt::format(
          "--up-at {:g} s is not inside the {:g} s run: pass a longer --runtime or an earlier "
          "--up-at",
          o.up_at_seconds, o.runtime_seconds));
    }
  }
  return o;
}

// The CSV rows one run adds to its graph.
std::vector<CsvRow> csv_rows(GraphKind kind, const PlannedRun& pr, const Result& r) {
  std::string trial = std::to_string(pr.trial);
  switch (kind) {
    case GraphKind::kCpu:
      return {{num(pr.rate), pr.trace ? "true" : "false", trial, num(r.cpu_usage),
               num(r.program_time), num(r.clock_time), num(r.spans_sent), num(r.spans_received),
               num(r.dropped_spans), num(r.max_rss_bytes)}};
    case GraphKind::kDropped: {
      double pct = r.spans_sent > 0 ? 100.0 * double(r.dropped_spans) / double(r.spans_sent) : 0;
      return {{num(pr.rate), trial, num(r.cpu_usage), num(pct), num(r.spans_sent),
               num(r.spans_received), num(r.spans_per_second), num(r.clock_time)}};
    }
    case GraphKind::kMemory:
      return rss_rows(num(pr.rate), pr.trial, r);
    case GraphKind::kDisconnect:
      return rss_rows(pr.series, pr.trial, r);
  }
  return {};
}

// Elapsed time and the ETA from the planned runtimes and the pace so far.
class GraphPace {
 public:
  GraphPace(int runs, double seconds_per_run)
      : runs_(runs), seconds_per_run_(seconds_per_run), t0_(Clock::now()) {}
  GraphProgress at(int run, const std::string& label) const {
    GraphProgress p;
    p.run = run;
    p.runs = runs_;
    p.label = label;
    p.elapsed_seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
    double done = seconds_per_run_ * (run - 1);
    double remaining = seconds_per_run_ * runs_ - done;
    double pace = done > 0 ? p.elapsed_seconds / done : 1.0;
    p.eta_seconds = remaining * pace;
    return p;
  }

 private:
  int runs_;
  double seconds_per_run_;
  Clock::time_point t0_;
};

}  // namespace

GraphFiles measure_graph(Runner& runner, const GraphOptions& options,
                         const std::function<void(const GraphProgress&)>& on_progress) {
  GraphOptions o = complete(options);
  runner.client(o.client);  // an unknown client fails before any file is made
  std::string g = graph_name(o.kind);
  fs::create_directories(o.out_dir);
  CsvAppender csv(o.out_dir / (g + ".csv"), csv_header(o.kind));

  std::vector<PlannedRun> runs = plan(o);
  std::optional<RunRecorder> shared;
  if (o.kind != GraphKind::kDisconnect) {
    shared.emplace(runner, o.client, "typical", o.satellite_ports);
  }
  GraphPace pace(int(runs.size()), o.runtime_seconds + kRunOverheadSeconds);
  GraphFiles files;
  files.csv = csv.file();
  for (size_t i = 0; i < runs.size(); ++i) {
    const PlannedRun& pr = runs[i];
    if (on_progress) on_progress(pace.at(int(i + 1), pr.label));
    std::optional<RunRecorder> own;  // the disconnect series' own satellites
    RunOptions ro;
    if (o.kind == GraphKind::kDisconnect) {
      own.emplace(runner, o.client, "typical", o.satellite_ports, outage(pr));
      ro = own->options();
      ro.sink_label = ro.sink ? pr.series : "none";
      // Tracers may wait on a vanished collector while flushing.
      ro.timeout_factor = 3;
    } else {
      ro = shared->options();
    }
    ro.trace = pr.trace;
    ro.spans_per_second = pr.rate;
    ro.runtime_seconds = o.runtime_seconds;
    ro.num_tags = o.num_tags;
    ro.num_logs = o.num_logs;
    RecordTo failed{
        o.out_dir / (g + "-failed-run.json"), /*failures_only=*/true, {{"graph_run", pr.label}}};
    Result r = run_and_record(runner, ro, failed);
    for (const auto& row : csv_rows(o.kind, pr, r)) csv.append(row);
    files.csv_rows = csv.rows();
    files.runs = int(i + 1);
  }
  if (on_progress) on_progress(pace.at(int(runs.size()) + 1, "drawing " + g + " graph"));
  return files;
}

GraphFiles run_graph(Runner& runner, const GraphOptions& options,
                     const std::function<void(const GraphProgress&)>& on_progress) {
  GraphFiles measured = measure_graph(runner, options, on_progress);
  GraphFiles drawn = plot_graph_csv(options.kind, measured.csv, runner.client(options.client).name);
  drawn.runs = measured.runs;
  return drawn;
}

}  // namespace spanbench
