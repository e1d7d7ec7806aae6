#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stats/statistics.h"
#include "suites/overhead.h"

namespace spanbench {

// Repeated results of one configuration: the result JSON files of a folder
// (as `run --repeat` writes them) or the lines of a JSON-lines file.
struct ResultSet {
  std::string source;
  std::vector<nlohmann::json> results;
  std::vector<std::string> skipped;  // files or lines left out, and why
  std::vector<std::string> names;    // per result: its file name or "line N"
};

// Throws UsageError when `path` is neither, or holds no usable result.
ResultSet load_result_set(const std::filesystem::path& path);

struct MetricComparison {
  // cpu_usage, spans_per_second, dropped_share, max_rss_bytes, program_time, cpu_ns_per_span
  std::string metric;
  size_t base_count = 0;
  size_t new_count = 0;
  double base_median = 0;
  double new_median = 0;
  double change_percent = 0;   // (new - base) / base x 100; 0 when both are 0
  bool change_defined = true;  // false when base is 0 and new is not
  // new - base: the Hodges-Lehmann estimate with its confidence interval
  // (for cpu_usage in points of CPU share, x100).
  stats::ShiftInterval shift;
  stats::MannWhitneyResult test;
  bool significant = false;  // p < alpha and the medians differ by kMinChangePercent or more
};

struct Comparison {
  std::string base_source;
  std::string new_source;
  std::string base_description;  // "cpp-datadog traced 1000 spans/s, 10 s" (first result)
  std::string new_description;
  size_t base_count = 0;
  size_t new_count = 0;
  double alpha = 0.05;
  std::vector<MetricComparison> metrics;
  std::vector<std::string> warnings;  // too few repetitions, skipped files, ...
  // Settings the runs do not share ("NumTags: 3 vs 10"): the sets measure
  // different things. The CLI refuses them unless --force.
  std::vector<std::string> settings_differences;
  std::vector<std::string> disturbed;  // "base traced/run-003.json (why)"
  bool allow_noise = false;
  // Set when one set is traced and the other untraced and the traced runs
  // used less CPU beyond the interval: a measurement problem, not a saving.
  std::string measurement_problem;
  bool any_significant() const;
  // No verdict can be given: disturbed runs (without allow_noise) or a
  // measurement problem.
  bool noisy() const;
  std::string noise_text() const;  // one line saying why, when noisy
};

// Smaller changes of a median are never flagged: consistent but too small to
// matter (a few pages of RSS between identical runs).
inline constexpr double kMinChangePercent = 1.0;

// The metrics compared, in order.
const std::vector<std::string>& compared_metrics();
// A metric's value in one result document (dropped_share = dropped / sent).
double metric_value(const nlohmann::json& result, const std::string& metric);

// Per metric: both medians, the change, and a two-sided Mann-Whitney U
// test; a change is flagged only when p < alpha (as Google Benchmark's
// compare.py) and the medians differ by at least kMinChangePercent, and the
// Hodges-Lehmann shift with its 1 - alpha interval.
// Warns under 9 repetitions a side. Notes differing settings and disturbed
// runs; `allow_noise` keeps the latter from making the comparison noisy.
Comparison compare_result_sets(const ResultSet& base, const ResultSet& next, double alpha = 0.05,
                               bool allow_noise = false);

// The comparison as a console table plus warnings.
std::string format_comparison(const Comparison& c);
nlohmann::json to_json(const Comparison& c);

}  // namespace spanbench
