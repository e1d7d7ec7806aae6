#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "stats/statistics.h"

namespace spanbench {

// A result and where it came from, so that a summary can name its runs.
struct NamedResult {
  std::string name;  // e.g. traced/run-003.json
  Result result;
};

// The figures a summary gives for each set of runs, in order, as named in
// result files and `spanbench compare`.
enum class SummaryMetric { spans_per_second, cpu_usage, dropped_share, max_rss_bytes };
inline constexpr SummaryMetric kSummaryMetrics[] = {
    SummaryMetric::spans_per_second, SummaryMetric::cpu_usage, SummaryMetric::dropped_share,
    SummaryMetric::max_rss_bytes};
const char* metric_key(SummaryMetric m);    // "cpu_usage"
const char* metric_label(SummaryMetric m);  // "CPU", for people
const char* metric_unit(SummaryMetric m);   // the unit of the key's values: "share", "bytes"
// One run's value: spans/s reached, the span loop's CPU share (0..1),
// dropped / sent (0..1; 0 when nothing was sent), peak RSS in bytes.
double metric_value(const Result& r, SummaryMetric m);
// The value for people: "1,234.5", "70.3%", "0.0%", "19.4 MiB".
std::string metric_text(SummaryMetric m, double v);

// Median, mean ± sd and min–max of each metric over one set of runs.
struct SetSummary {
  std::string label;  // "traced", "untraced"
  size_t runs = 0;
  stats::Summary figures[std::size(kSummaryMetrics)];
  const stats::Summary& of(SummaryMetric m) const { return figures[size_t(m)]; }
};

// The tracer's overhead, traced - untraced, over the span loop: the
// Hodges-Lehmann shift with its Mann-Whitney confidence interval (as
// `run --repeat` and `compare`).
struct OverheadFigures {
  stats::ShiftInterval cpu_points;       // CPU share, x100
  stats::ShiftInterval cpu_ns_per_span;  // loop CPU seconds / spans sent, ns
};

// What a vector of results says, as hyperfine's summary of its runs: one
// SetSummary per kind of run there is (traced first), and the overhead
// when there are both.
struct RunSetSummary {
  std::string description;  // "cpp-mock, 1000 spans/s, 10 s" (first run)
  std::vector<SetSummary> sets;
  std::optional<OverheadFigures> overhead;
  double confidence = 0.95;
  size_t runs() const;
  const SetSummary* set(const std::string& label) const;
};

// Pure. Results are split by their `trace` field.
RunSetSummary summarize_runs(const std::vector<NamedResult>& runs, double confidence = 0.95);
RunSetSummary summarize_runs(const std::vector<Result>& runs, double confidence = 0.95);

// The console table, one row per metric and set:
//   summary of 10 traced and 10 untraced runs (cpp-mock, 1000 spans/s, 10 s)
//                          median        mean ± sd              min .. max
//   spans/s traced          999.1     998.2 ± 1.3          995.0 .. 1,000.2
//   ...
std::string format_summary_table(const RunSetSummary& s);
// "+1.23 points [+0.90, +1.50]" for people: the estimate and its interval,
// scaled, with `decimals` and a unit; "n/a" when undefined.
std::string shift_text(const stats::ShiftInterval& s, double scale, int decimals,
                       const std::string& unit);

}  // namespace spanbench
