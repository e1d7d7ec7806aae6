#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "report/export.h"
#include "report/format.h"

namespace spanbench {
namespace {

// A table cell: no line breaks, and a '|' that does not end the cell.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + cell(c) + " |";
  return out + "\n";
}

std::string made_line(const RunSetExport& e) {
  std::string s = fmt::format("Made {} by spanbench {}", e.created, e.spanbench_version);
  if (!e.git_commit.empty()) s += fmt::format(" ({})", e.git_commit);
  if (e.machine.is_object()) {
    s += fmt::format(" on {} ({}, {} CPUs)", e.machine.value("host", "?"),
                     e.machine.value("cpu_model", "?"), e.machine.value("num_cpus", 0));
  }
  return s + ".\n";
}

}  // namespace

std::string MarkdownExporter::serialize(const RunSetExport& e) const {
  const RunSetSummary& s = e.summary;
  std::string md =
      fmt::format("# spanbench: {}\n\n", s.description.empty() ? "no runs" : s.description);
  md += made_line(e);
  if (!e.complete()) {
    md += fmt::format("\n**Incomplete:** {} of {} runs measured", e.runs.size(),
                      e.planned_runs ? e.planned_runs : e.runs.size() + e.failed.size());
    md += e.failed.empty() ? ".\n" : "; failed:\n\n";
    for (const auto& f : e.failed) md += "- " + f + "\n";
  }
  md += "\n";
  if (!s.sets.empty()) {
    md += row({"metric", "runs", "median", "mean ± sd", "min … max"});
    md += "|:---|---:|---:|---:|---:|\n";
    for (SummaryMetric m : kSummaryMetrics) {
      for (const auto& set : s.sets) {
        const stats::Summary& f = set.of(m);
        auto t = [&](double v) { return metric_text(m, v); };
        md += row({fmt::format("{} {}", metric_label(m), set.label), std::to_string(f.n),
                   t(f.median), t(f.mean) + " ± " + t(f.sd), t(f.min) + " … " + t(f.max)});
      }
    }
    md += "\n";
  }
  if (s.overhead) {
    md += fmt::format(
        "Overhead, traced − untraced, span loop only (Hodges-Lehmann estimate, {}% confidence "
        "interval):\n\n",
        grouped(s.confidence * 100, 0));
    md += row({"figure", "estimate [interval]"});
    md += "|:---|---:|\n";
    md += row({"CPU share", shift_text(s.overhead->cpu_points, 1, 2, "points")});
    md += row({"CPU per span", shift_text(s.overhead->cpu_ns_per_span, 1, 0, "ns")});
    md += "\n";
  }
  if (!e.verdict.empty()) md += e.verdict + "\n\n";
  if (!e.runs.empty()) {
    md += "## Runs\n\n";
    md += row({"run", "traced", "spans/s", "CPU", "dropped", "peak RSS", "note"});
    md += "|:---|:---|---:|---:|---:|---:|:---|\n";
    for (const auto& r : e.runs) {
      const Result& x = r.result;
      md += row(
          {r.name, x.trace ? "yes" : "no",
           metric_text(SummaryMetric::spans_per_second, x.spans_per_second),
           metric_text(SummaryMetric::cpu_usage, x.cpu_usage),
           metric_text(SummaryMetric::dropped_share, metric_value(x, SummaryMetric::dropped_share)),
           metric_text(SummaryMetric::max_rss_bytes, double(x.max_rss_bytes)),
           x.disturbed ? "disturbed: " + x.disturbance : ""});
    }
  }
  return md;
}

}  // namespace spanbench
