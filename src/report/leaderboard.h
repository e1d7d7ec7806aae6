#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "report/gnuplot.h"
#include "stats/statistics.h"

namespace spanbench {

// The leaderboard of a sweep folder (docs/leaderboard.md): one table per
// spans/s rate, a row per client, each figure computed from the run files
// alone, within the (client, rate) group that measured it.

// The satellite mode whose runs give the overhead: healthy collectors.
inline constexpr const char* kHealthyMode = "typical";
inline constexpr const char* kLeaderboardFormat = "spanbench-leaderboard/1";

// One client at one rate.
struct LeaderboardRow {
  std::string client;
  // What measured it: the tracer's own version string (tracer_version in
  // its results), else the registry's description, else the client's name.
  std::string tracer;
  std::string tracer_source;  // "tracer_version", "registry" or "client"
  double rate = 0;            // target spans/s

  // Healthy traced runs against untraced runs (analyze_overhead):
  // Hodges-Lehmann shifts with their Mann-Whitney intervals.
  stats::ShiftInterval cpu_points;       // loop CPU share, x100
  stats::ShiftInterval cpu_ns_per_span;  // loop CPU per span sent, ns
  std::string status;                    // status_name(): overhead, noisy, rate_not_held, ...
  std::string status_text;               // analyze_overhead's line
  double spans_per_second = 0;           // median of the healthy traced runs
  double untraced_spans_per_second = 0;  // median of the untraced runs
  double rss_overhead_bytes = 0;         // peak RSS median, traced - untraced
  bool rate_held = false;                // traced spans/s within kRateShortfallLimit

  // Spans dropped, median per run: with healthy satellites, and for each
  // failing mode present in the group (by mode name).
  std::optional<double> dropped_healthy;
  int64_t dropped_healthy_total = 0;  // over all healthy runs
  std::map<std::string, double> dropped_by_mode;
  // Held at this rate: rate_held and not one span dropped in any healthy run.
  bool held = false;
  // The highest of the sweep's rates this client held (the same in each of its rows).
  std::optional<double> highest_rate_held;

  // Export latency, seconds: the median over the healthy traced runs of
  // each run's p50 and p99; unset ("-") when no run carried end timestamps.
  std::optional<double> export_latency_p50_seconds;
  std::optional<double> export_latency_p99_seconds;
  size_t export_latency_runs = 0;  // runs with export_latency_spans > 0

  // The machine(s) the group's runs were measured on (context.host). More
  // than one is a broken group: its overhead compares different machines.
  std::string machine;
  std::vector<std::string> machines;
  bool mixed_machines() const { return machines.size() > 1; }

  // Runs read, by mode ("untraced", "typical", failing modes).
  std::map<std::string, size_t> runs_by_mode;
  size_t disturbed_runs = 0;  // of the group's measured runs, every mode
  size_t failed_runs = 0;     // files with "error" (left out) or unreadable
};

struct LeaderboardTable {
  double rate = 0;
  std::vector<LeaderboardRow> rows;   // best first: lowest CPU per span, undefined last
  std::vector<std::string> warnings;  // machines that differ, groups that mix them
  // The machines the rows were measured on, and how many rows each.
  std::map<std::string, size_t> machines;
};

struct Leaderboard {
  std::filesystem::path dir;
  std::string plan_id;                   // from plan.json, may be empty
  nlohmann::json shard;                  // plan.json's "shard", or null
  double confidence = 0.95;              // of the intervals
  std::vector<std::string> modes;        // failing modes seen, sorted (typical excluded)
  std::vector<LeaderboardTable> tables;  // by rate, ascending
  std::map<std::string, std::optional<double>> highest_rate_held;  // by client
  std::vector<std::string> machines;                               // every host seen
  // The folder's: unreadable or failed runs, planned groups without runs,
  // machines that differ, and (again) each group that mixes machines.
  std::vector<std::string> warnings;
  size_t runs_read = 0;    // measured runs used
  size_t failed_runs = 0;  // files with "error", or unreadable
  // Groups the plan lists that have no run file yet ("cpp-mock@1000").
  std::vector<std::string> missing_groups;
};

struct LeaderboardOptions {
  // The registry's description of each client (ClientEntry::description),
  // used as the tracer's name when its results carry no tracer_version.
  std::map<std::string, std::string> tracer_descriptions;
  double confidence = 0.95;
};

// Each client's description in the client registry (find_client_registry
// of `registry_file`, which may be empty), for tracer_descriptions; empty
// when there is no readable registry (the leaderboard then names clients).
std::map<std::string, std::string> client_descriptions(const std::filesystem::path& registry_file);

// Reads a sweep folder (plan.json, runs/<client>/<rate>/<mode>/run-*.json).
// Throws spanbench::UsageError when `sweep_dir` is not one. Pure apart
// from reading the files.
Leaderboard read_leaderboard(const std::filesystem::path& sweep_dir,
                             const LeaderboardOptions& options = {});

// The sweep folder under `dir`: `dir` itself when it holds a sweep (its
// plan.json says spanbench-sweep/1, or it has runs/), else the first
// folder below it with such a plan.json (sorted, up to 3 levels down);
// nullopt when none.
std::optional<std::filesystem::path> find_sweep_folder(const std::filesystem::path& dir);

// The pieces the formatters share, for other pages (the HTML report).
struct LeaderboardColumn {
  std::string title;
  bool number = false;  // right-aligned
};
std::vector<LeaderboardColumn> leaderboard_columns(const Leaderboard& b);
// A row's cells for people, in leaderboard_columns' order; `tracer_width`
// > 0 cuts the tracer's name to that many characters.
std::vector<std::string> leaderboard_cells(const Leaderboard& b, const LeaderboardRow& r,
                                           size_t rank, size_t tracer_width = 0);
// "40 runs (2 failed, left out), plan 3f2a..., merged from 3 shards, measured on a, b"
std::string leaderboard_description(const Leaderboard& b);
// What each column is, in one paragraph.
std::string leaderboard_legend(const Leaderboard& b);
// "1,000" for 1000 spans/s, "2.5" for 2.5.
std::string rate_text(double spans_per_second);

// A table's graph: CPU per span of each client with a figure, best first,
// its interval as the error bar.
BarChart leaderboard_chart(const Leaderboard& b, const LeaderboardTable& t);

// Formatters: bytes only, nothing printed.
std::string format_leaderboard_console(const Leaderboard& b);  // aligned columns
std::string format_leaderboard_markdown(const Leaderboard& b);
std::string format_leaderboard_csv(const Leaderboard& b);  // a row per (rate, client)
nlohmann::json leaderboard_json(const Leaderboard& b);     // docs/leaderboard.md's schema
std::string format_leaderboard_json(const Leaderboard& b);

// Writes leaderboard.json, leaderboard.md and leaderboard.csv into `dir`,
// each atomically. Throws spanbench::Error when a file cannot be written.
void write_leaderboard_files(const Leaderboard& b, const std::filesystem::path& dir);

}  // namespace spanbench
