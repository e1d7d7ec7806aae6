#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stats/statistics.h"

namespace spanbench {

// Repeated results of one configuration: the result JSON files of a folder
// (as `run --repeat` writes them) or the lines of a JSON-lines file.
struct ResultSet {
  std::string source;
  std::vector<nlohmann::json> results;
  std::vector<std::string> skipped;  // files or lines left out, and why
};

// Throws UsageError when `path` is neither, or holds no usable result.
ResultSet load_result_set(const std::filesystem::path& path);

struct MetricComparison {
  std::string metric;  // cpu_usage, spans_per_second, dropped_share, max_rss_bytes, program_time
  size_t base_count = 0;
  size_t new_count = 0;
  double base_median = 0;
  double new_median = 0;
  double change_percent = 0;   // (new - base) / base x 100; 0 when both are 0
  bool change_defined = true;  // false when base is 0 and new is not
  stats::MannWhitneyResult test;
  bool significant = false;  // p < alpha
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
  bool any_significant() const;
};

// The metrics compared, in order.
const std::vector<std::string>& compared_metrics();
// A metric's value in one result document (dropped_share = dropped / sent).
double metric_value(const nlohmann::json& result, const std::string& metric);

// Per metric: both medians, the change, and a two-sided Mann-Whitney U
// test; a change is flagged only when p < alpha (as Google Benchmark's
// compare.py). Warns under 9 repetitions a side.
Comparison compare_result_sets(const ResultSet& base, const ResultSet& next, double alpha = 0.05);

// The comparison as a console table plus warnings.
std::string format_comparison(const Comparison& c);
nlohmann::json to_json(const Comparison& c);

}  // namespace spanbench
