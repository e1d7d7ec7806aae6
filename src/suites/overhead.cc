#include "suites/overhead.h"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>

namespace spanbench {
namespace {

using Status = OverheadAnalysis::Status;

std::vector<double> values(const std::vector<NamedResult>& runs,
                           const std::function<double(const Result&)>& f) {
  std::vector<double> out;
  for (const auto& r : runs) {
    double v = f(r.result);
    if (std::isfinite(v)) out.push_back(v);
  }
  return out;
}

// Loop CPU per span; NaN (left out) when the run has no loop figures.
double ns_per_span(const Result& r) {
  if (r.spans_sent <= 0 || r.loop_cpu_seconds <= 0) return std::nan("");
  return r.loop_cpu_seconds / double(r.spans_sent) * 1e9;
}

nlohmann::json to_json(const stats::Summary& s) {
  return {{"n", s.n},   {"median", s.median}, {"mean", s.mean},
          {"sd", s.sd}, {"min", s.min},       {"max", s.max}};
}

}  // namespace

const char* verdict_label(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "PASS";
    case Verdict::fail:
      return "FAIL";
    case Verdict::noisy:
      return "NOISY";
  }
  return "?";
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "pass";
    case Verdict::fail:
      return "fail";
    case Verdict::noisy:
      return "noisy";
  }
  return "?";
}

std::vector<std::string> disturbed_runs(const std::vector<NamedResult>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) {
    if (!r.result.disturbed) continue;
    out.push_back(r.result.disturbance.empty() ? r.name
                                               : r.name + " (" + r.result.disturbance + ")");
  }
  return out;
}

const char* status_name(Status s) {
  switch (s) {
    case Status::overhead:
      return "overhead";
    case Status::noisy:
      return "noisy";
    case Status::measurement_problem:
      return "measurement_problem";
    case Status::rate_not_held:
      return "rate_not_held";
    case Status::no_runs:
      return "no_runs";
  }
  return "?";
}

std::string interval_text(const stats::ShiftInterval& s, double scale, int precision,
                          const std::string& unit) {
  if (!s.defined) return "n/a";
  std::string u = unit.empty() ? "" : " " + unit;
  std::string text = fmt::format("{:+.{}f}{} [{:+.{}f}, {:+.{}f}]", s.estimate * scale, precision,
                                 u, s.low * scale, precision, s.high * scale, precision);
  if (!s.reached) {
    text += fmt::format(" (a {:.0f}% interval: too few runs for more)", s.confidence * 100);
  }
  return text;
}

nlohmann::json to_json(const stats::ShiftInterval& s) {
  if (!s.defined) return nullptr;
  return {{"estimate", s.estimate},     {"low", s.low},         {"high", s.high},
          {"confidence", s.confidence}, {"reached", s.reached}, {"exact", s.exact}};
}

OverheadAnalysis analyze_overhead(const std::vector<NamedResult>& traced,
                                  const std::vector<NamedResult>& untraced, bool allow_noise,
                                  double confidence) {
  OverheadAnalysis a;
  a.confidence = confidence;
  a.allow_noise = allow_noise;
  a.traced_runs = traced.size();
  a.untraced_runs = untraced.size();
  if (!traced.empty() || !untraced.empty()) {
    const auto& first = !traced.empty() ? traced.front() : untraced.front();
    a.description = fmt::format("{}, {:g} spans/s, {:g} s", first.result.client,
                                first.result.target_spans_per_second, first.result.target_runtime);
  }
  auto cpu = [](const Result& r) { return r.cpu_usage; };
  auto sps = [](const Result& r) { return r.spans_per_second; };
  auto rss = [](const Result& r) { return double(r.max_rss_bytes); };
  a.traced_cpu = stats::summarize(values(traced, cpu));
  a.untraced_cpu = stats::summarize(values(untraced, cpu));
  a.traced_sps = stats::summarize(values(traced, sps));
  a.untraced_sps = stats::summarize(values(untraced, sps));
  a.traced_rss = stats::summarize(values(traced, rss));
  a.untraced_rss = stats::summarize(values(untraced, rss));
  auto shift = [&](const std::function<double(const Result&)>& f) {
    return stats::hodges_lehmann(values(traced, f), values(untraced, f), confidence);
  };
  a.cpu_points = shift([](const Result& r) { return r.cpu_usage * 100; });
  a.cpu_ns_per_span = shift(ns_per_span);
  a.startup_cpu_ms = shift([](const Result& r) { return r.startup_cpu_seconds * 1e3; });
  a.startup_wall_ms = shift([](const Result& r) { return r.startup_seconds * 1e3; });
  a.setup_cpu_ms = shift([](const Result& r) { return r.setup_cpu_seconds * 1e3; });
  a.setup_wall_ms = shift([](const Result& r) { return r.setup_seconds * 1e3; });
  if (a.untraced_sps.median > 0) a.rate_shortfall = 1 - a.traced_sps.median / a.untraced_sps.median;
  a.rate_held = a.rate_shortfall <= kRateShortfallLimit;
  a.disturbed = disturbed_runs(traced);
  for (auto& d : disturbed_runs(untraced)) a.disturbed.push_back(std::move(d));

  size_t total = traced.size() + untraced.size();
  if (traced.empty() || untraced.empty()) {
    a.status = Status::no_runs;
    a.status_text = "no overhead: it needs traced and untraced runs";
  } else if (!a.disturbed.empty() && !allow_noise) {
    a.status = Status::noisy;
    a.status_text = fmt::format(
        "NOISY: {} of {} runs were disturbed, so the overhead above is not a measurement to rely "
        "on; rerun on a quiet machine, or pass --allow-noise to accept it",
        a.disturbed.size(), total);
  } else if (a.cpu_points.surely_below_zero() || a.cpu_ns_per_span.surely_below_zero()) {
    a.status = Status::measurement_problem;
    a.status_text = fmt::format(
        "MEASUREMENT PROBLEM: the traced runs used less CPU than the untraced ones beyond the "
        "{:.0f}% interval ({} points, {} ns per span); a tracer cannot cost less than nothing, so "
        "something else moved the figures (other load, a calibration off target)",
        a.cpu_points.confidence * 100, interval_text(a.cpu_points, 1, 2, ""),
        interval_text(a.cpu_ns_per_span, 1, 0, ""));
  } else if (!a.rate_held) {
    a.status = Status::rate_not_held;
    a.status_text = fmt::format(
        "RATE NOT HELD: the traced client reached {:.1f} spans/s, {:.1f}% below the untraced "
        "{:.1f} spans/s (median): the tracer cannot keep up at this rate, and the CPU share "
        "difference is not its overhead",
        a.traced_sps.median, a.rate_shortfall * 100, a.untraced_sps.median);
  } else {
    a.status = Status::overhead;
    a.status_text = fmt::format("overhead: {} points of CPU share, {} ns of CPU per span",
                                interval_text(a.cpu_points, 1, 2, ""),
                                interval_text(a.cpu_ns_per_span, 1, 0, ""));
  }
  return a;
}

std::string format_overhead(const OverheadAnalysis& a) {
  // The figures of each set are report/summary.h's table (format_summary_table).
  std::string s;
  int pct_conf = int(std::lround(a.confidence * 100));
  bool noisy = a.status == OverheadAnalysis::Status::noisy;
  s += fmt::format("traced - untraced, span loop only (Hodges-Lehmann, {}% CI){}:\n", pct_conf,
                   noisy ? ", NOISY" : "");
  if (a.status == OverheadAnalysis::Status::rate_not_held) {
    s += fmt::format("  CPU share          not an overhead: the traced client missed the rate\n");
    s += fmt::format("  CPU per span       {} (at the lower rate it reached)\n",
                     interval_text(a.cpu_ns_per_span, 1, 0, "ns"));
  } else {
    s += fmt::format("  CPU share          {}\n", interval_text(a.cpu_points, 1, 2, "points"));
    s += fmt::format("  CPU per span       {}\n", interval_text(a.cpu_ns_per_span, 1, 0, "ns"));
  }
  s += fmt::format(
      "tracer start-up (not in the per-span cost): set-up {} CPU, {} wall; process start-up {} "
      "CPU, {} wall\n",
      interval_text(a.setup_cpu_ms, 1, 1, "ms"), interval_text(a.setup_wall_ms, 1, 1, "ms"),
      interval_text(a.startup_cpu_ms, 1, 1, "ms"), interval_text(a.startup_wall_ms, 1, 1, "ms"));
  if (!a.disturbed.empty()) {
    s += fmt::format("disturbed runs ({} of {}{}):\n", a.disturbed.size(),
                     a.traced_runs + a.untraced_runs,
                     a.allow_noise ? ", accepted with --allow-noise" : "");
    for (const auto& d : a.disturbed) s += "  " + d + "\n";
  }
  s += a.status_text + "\n";
  return s;
}

nlohmann::json to_json(const OverheadAnalysis& a) {
  return {
      {"description", a.description},
      {"traced_runs", a.traced_runs},
      {"untraced_runs", a.untraced_runs},
      {"confidence", a.confidence},
      {"cpu_usage", {{"traced", to_json(a.traced_cpu)}, {"untraced", to_json(a.untraced_cpu)}}},
      {"spans_per_second",
       {{"traced", to_json(a.traced_sps)}, {"untraced", to_json(a.untraced_sps)}}},
      {"max_rss_bytes", {{"traced", to_json(a.traced_rss)}, {"untraced", to_json(a.untraced_rss)}}},
      {"cpu_points", to_json(a.cpu_points)},
      {"cpu_ns_per_span", to_json(a.cpu_ns_per_span)},
      {"startup_cpu_ms", to_json(a.startup_cpu_ms)},
      {"startup_wall_ms", to_json(a.startup_wall_ms)},
      {"setup_cpu_ms", to_json(a.setup_cpu_ms)},
      {"setup_wall_ms", to_json(a.setup_wall_ms)},
      {"rate_shortfall", a.rate_shortfall},
      {"rate_held", a.rate_held},
      {"disturbed", a.disturbed},
      {"allow_noise", a.allow_noise},
      {"status", status_name(a.status)},
      {"status_text", a.status_text}};
}

}  // namespace spanbench
