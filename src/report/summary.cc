#include "report/summary.h"

#include <fmt/format.h>

#include <cmath>

#include "report/format.h"

namespace spanbench {
namespace {

// Loop CPU per span; NaN (left out) when the run has no loop figures.
double ns_per_span(const Result& r) {
  if (r.spans_sent <= 0 || r.loop_cpu_seconds <= 0) return std::nan("");
  return r.loop_cpu_seconds / double(r.spans_sent) * 1e9;
}

std::vector<double> values(const std::vector<const Result*>& runs, double (*f)(const Result&)) {
  std::vector<double> out;
  for (const Result* r : runs) {
    double v = f(*r);
    if (std::isfinite(v)) out.push_back(v);
  }
  return out;
}

SetSummary summarize_set(const std::string& label, const std::vector<const Result*>& runs) {
  SetSummary s;
  s.label = label;
  s.runs = runs.size();
  for (SummaryMetric m : kSummaryMetrics) {
    std::vector<double> v;
    for (const Result* r : runs) {
      double x = metric_value(*r, m);
      if (std::isfinite(x)) v.push_back(x);
    }
    s.figures[size_t(m)] = stats::summarize(v);
  }
  return s;
}

}  // namespace

const char* metric_key(SummaryMetric m) {
  switch (m) {
    case SummaryMetric::spans_per_second:
      return "spans_per_second";
    case SummaryMetric::cpu_usage:
      return "cpu_usage";
    case SummaryMetric::dropped_share:
      return "dropped_share";
    case SummaryMetric::max_rss_bytes:
      return "max_rss_bytes";
  }
  return "?";
}

const char* metric_label(SummaryMetric m) {
  switch (m) {
    case SummaryMetric::spans_per_second:
      return "spans/s";
    case SummaryMetric::cpu_usage:
      return "CPU";
    case SummaryMetric::dropped_share:
      return "dropped";
    case SummaryMetric::max_rss_bytes:
      return "peak RSS";
  }
  return "?";
}

const char* metric_unit(SummaryMetric m) {
  switch (m) {
    case SummaryMetric::spans_per_second:
      return "spans/s";
    case SummaryMetric::cpu_usage:
      return "share of a core";
    case SummaryMetric::dropped_share:
      return "share of spans sent";
    case SummaryMetric::max_rss_bytes:
      return "bytes";
  }
  return "?";
}

double metric_value(const Result& r, SummaryMetric m) {
  switch (m) {
    case SummaryMetric::spans_per_second:
      return r.spans_per_second;
    case SummaryMetric::cpu_usage:
      return r.cpu_usage;
    case SummaryMetric::dropped_share:
      return r.spans_sent > 0 ? double(r.dropped_spans) / double(r.spans_sent) : 0;
    case SummaryMetric::max_rss_bytes:
      return double(r.max_rss_bytes);
  }
  return std::nan("");
}

std::string metric_text(SummaryMetric m, double v) {
  switch (m) {
    case SummaryMetric::spans_per_second:
      return grouped(v, 1);
    case SummaryMetric::cpu_usage:
    case SummaryMetric::dropped_share:
      return percent(v, 1);
    case SummaryMetric::max_rss_bytes:
      return bytes_text(v);
  }
  return readable(v);
}

size_t RunSetSummary::runs() const {
  size_t n = 0;
  for (const auto& s : sets) n += s.runs;
  return n;
}

const SetSummary* RunSetSummary::set(const std::string& label) const {
  for (const auto& s : sets) {
    if (s.label == label) return &s;
  }
  return nullptr;
}

RunSetSummary summarize_runs(const std::vector<Result>& runs, double confidence) {
  RunSetSummary out;
  out.confidence = confidence;
  std::vector<const Result*> traced, untraced;
  for (const auto& r : runs) (r.trace ? traced : untraced).push_back(&r);
  if (!runs.empty()) {
    const Result& first = runs.front();
    out.description =
        fmt::format("{}, {} spans/s, {} s", first.client,
                    readable(first.target_spans_per_second, 6), readable(first.target_runtime, 6));
  }
  if (!traced.empty()) out.sets.push_back(summarize_set("traced", traced));
  if (!untraced.empty()) out.sets.push_back(summarize_set("untraced", untraced));
  if (!traced.empty() && !untraced.empty()) {
    OverheadFigures o;
    auto points = [](const Result& r) { return r.cpu_usage * 100; };
    o.cpu_points =
        stats::hodges_lehmann(values(traced, +points), values(untraced, +points), confidence);
    o.cpu_ns_per_span = stats::hodges_lehmann(values(traced, ns_per_span),
                                              values(untraced, ns_per_span), confidence);
    out.overhead = o;
  }
  return out;
}

RunSetSummary summarize_runs(const std::vector<NamedResult>& runs, double confidence) {
  std::vector<Result> results;
  results.reserve(runs.size());
  for (const auto& r : runs) results.push_back(r.result);
  return summarize_runs(results, confidence);
}

std::string shift_text(const stats::ShiftInterval& s, double scale, int decimals,
                       const std::string& unit) {
  if (!s.defined) return "n/a";
  auto signed_text = [&](double v) {
    std::string t = grouped(v * scale, decimals);
    // A figure that rounds to zero has no sign: "0.00", not "+0.00" or "-0.00".
    if (t.find_first_of("123456789") == std::string::npos) return t;
    return t[0] == '-' ? t : "+" + t;
  };
  std::string u = unit.empty() ? "" : " " + unit;
  std::string text = fmt::format("{}{} [{}, {}]", signed_text(s.estimate), u, signed_text(s.low),
                                 signed_text(s.high));
  if (!s.reached) {
    text += fmt::format(" (a {}% interval: too few runs for more)", grouped(s.confidence * 100, 0));
  }
  return text;
}

std::string format_summary_table(const RunSetSummary& s) {
  std::string counts;
  for (const auto& set : s.sets) {
    counts += fmt::format("{}{} {}", counts.empty() ? "" : " and ", set.runs, set.label);
  }
  std::string out =
      fmt::format("summary of {} runs ({})\n", counts.empty() ? "no" : counts, s.description);
  if (s.sets.empty()) return out;
  out += fmt::format("  {:<18} {:>10}  {:>22}  {:>24}\n", "", "median", "mean ± sd", "min .. max");
  for (SummaryMetric m : kSummaryMetrics) {
    for (const auto& set : s.sets) {
      const stats::Summary& f = set.of(m);
      auto t = [&](double v) { return metric_text(m, v); };
      out += fmt::format("  {:<18} {:>10}  {:>22}  {:>24}\n",
                         fmt::format("{} {}", metric_label(m), set.label), t(f.median),
                         t(f.mean) + " ± " + t(f.sd), t(f.min) + " .. " + t(f.max));
    }
  }
  return out;
}

}  // namespace spanbench
