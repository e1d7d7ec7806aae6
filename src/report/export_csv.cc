#include <fmt/format.h>

#include "report/csv.h"
#include "report/export.h"

namespace spanbench {
namespace {

std::string interval_field(const stats::ShiftInterval& s, double v) {
  return s.defined ? csv_number(v) : "";
}

}  // namespace

std::string CsvExporter::serialize(const RunSetExport& e) const {
  std::string out = csv_line({"set", "metric", "unit", "runs", "median", "mean", "stddev", "min",
                              "max", "estimate", "ci_low", "ci_high", "confidence"});
  for (const auto& set : e.summary.sets) {
    for (SummaryMetric m : kSummaryMetrics) {
      const stats::Summary& f = set.of(m);
      out += csv_line({set.label, metric_key(m), metric_unit(m), std::to_string(f.n),
                       csv_number(f.median), csv_number(f.mean), csv_number(f.sd),
                       csv_number(f.min), csv_number(f.max), "", "", "", ""});
    }
  }
  if (e.summary.overhead) {
    auto add = [&](const char* metric, const char* unit, const stats::ShiftInterval& s) {
      out += csv_line({"overhead", metric, unit, "", "", "", "", "", "",
                       interval_field(s, s.estimate), interval_field(s, s.low),
                       interval_field(s, s.high), interval_field(s, s.confidence)});
    };
    add("cpu_points", "points of CPU share", e.summary.overhead->cpu_points);
    add("cpu_ns_per_span", "ns", e.summary.overhead->cpu_ns_per_span);
  }
  return out;
}

}  // namespace spanbench
