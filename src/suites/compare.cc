#include "suites/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>

#include "core/error.h"
#include "core/file_io.h"
#include "core/result.h"

namespace spanbench {
namespace fs = std::filesystem;
namespace {

constexpr size_t kRecommendedRepetitions = 9;

bool is_result(const nlohmann::json& j) {
  return j.is_object() && j.contains("spans_sent") && j.contains("cpu_usage") &&
         j.contains("program_time");
}

// Adds `j` to the set, or notes why it was left out.
void consider(ResultSet& set, nlohmann::json j, const std::string& where) {
  if (j.is_discarded()) {
    set.skipped.push_back(where + ": not valid JSON");
  } else if (!is_result(j)) {
    set.skipped.push_back(where + ": not a spanbench result");
  } else if (j.contains("error")) {
    set.skipped.push_back(where + ": failed run (" + j["error"].get<std::string>() + ")");
  } else {
    set.results.push_back(std::move(j));
    set.names.push_back(where);
  }
}

std::string describe(const nlohmann::json& r) {
  return fmt::format("{} {} {:g} spans/s, {:g} s", r.value("client", "?"),
                     r.value("trace", false) ? "traced" : "untraced",
                     r.value("target_spans_per_second", 0.0), r.value("target_runtime", 0.0));
}

std::string metric_text(const std::string& metric, double v) {
  if (metric == "cpu_usage" || metric == "dropped_share") return fmt::format("{:.2f}%", v * 100);
  if (metric == "max_rss_bytes") return fmt::format("{:.2f} MiB", v / (1 << 20));
  if (metric == "program_time") return fmt::format("{:.4f} s", v);
  if (metric == "cpu_ns_per_span") return fmt::format("{:.0f} ns", v);
  return fmt::format("{:.1f}", v);
}

// The shift of a metric as printed: CPU share in points, the rest in its unit.
std::string shift_text(const MetricComparison& m) {
  if (m.metric == "cpu_usage") return interval_text(m.shift, 1, 2, "pts");
  if (m.metric == "dropped_share") return interval_text(m.shift, 100, 2, "pts");
  if (m.metric == "max_rss_bytes") return interval_text(m.shift, 1.0 / (1 << 20), 2, "MiB");
  if (m.metric == "program_time") return interval_text(m.shift, 1, 4, "s");
  if (m.metric == "cpu_ns_per_span") return interval_text(m.shift, 1, 0, "ns");
  return interval_text(m.shift, 1, 1, "");
}

std::vector<NamedResult> named_results(const ResultSet& set, const std::string& label) {
  std::vector<NamedResult> out;
  for (size_t i = 0; i < set.results.size(); ++i) {
    std::string name = i < set.names.size() ? set.names[i] : std::to_string(i + 1);
    out.push_back({label + " " + name, result_from_json(set.results[i])});
  }
  return out;
}

// Every set is all traced or all untraced: which, or nullopt when mixed.
std::optional<bool> traced(const std::vector<NamedResult>& runs) {
  if (runs.empty()) return std::nullopt;
  bool t = runs.front().result.trace;
  for (const auto& r : runs) {
    if (r.result.trace != t) return std::nullopt;
  }
  return t;
}

}  // namespace

ResultSet load_result_set(const fs::path& path) {
  ResultSet set;
  set.source = path.string();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      consider(set, nlohmann::json::parse(read_file(f), nullptr, false), f.filename().string());
    }
    if (set.results.empty()) {
      bool has_sets = fs::is_directory(path / "traced") || fs::is_directory(path / "untraced");
      throw UsageError(
          "no result JSON files in " + path.string() +
          (has_sets ? ": pass one set, e.g. " + (path / "traced").string()
                    : ": pass a folder of result files (spanbench run --repeat N --out DIR) or a "
                      "JSON-lines file"));
    }
    return set;
  }
  std::ifstream in(path);
  if (!in) {
    throw UsageError("cannot read " + path.string() +
                     ": pass a folder of result JSON files or a JSON-lines file");
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    consider(set, nlohmann::json::parse(line, nullptr, false), fmt::format("line {}", n));
  }
  if (set.results.empty()) {
    throw UsageError("no results in " + path.string() +
                     ": expected one result JSON document per line");
  }
  return set;
}

const std::vector<std::string>& compared_metrics() {
  static const std::vector<std::string> m = {"cpu_usage",     "spans_per_second",
                                             "dropped_share", "max_rss_bytes",
                                             "program_time",  "cpu_ns_per_span"};
  return m;
}

double metric_value(const nlohmann::json& r, const std::string& metric) {
  if (metric == "cpu_ns_per_span") {
    double sent = r.value("spans_sent", 0.0);
    return sent > 0 ? r.value("loop_cpu_seconds", 0.0) / sent * 1e9 : 0;
  }
  if (metric == "dropped_share") {
    double sent = r.value("spans_sent", 0.0);
    return sent > 0 ? r.value("dropped_spans", 0.0) / sent : 0;
  }
  return r.value(metric, 0.0);
}

bool Comparison::any_significant() const {
  return std::any_of(metrics.begin(), metrics.end(), [](const auto& m) { return m.significant; });
}

bool Comparison::noisy() const {
  return (!disturbed.empty() && !allow_noise) || !measurement_problem.empty();
}

std::string Comparison::noise_text() const {
  if (!measurement_problem.empty()) return measurement_problem;
  if (!disturbed.empty() && !allow_noise) {
    return fmt::format(
        "{} of {} runs were disturbed, so the sets cannot carry a verdict; rerun on a quiet "
        "machine, or pass --allow-noise to accept them",
        disturbed.size(), base_count + new_count);
  }
  return "";
}

Comparison compare_result_sets(const ResultSet& base, const ResultSet& next, double alpha,
                               bool allow_noise) {
  if (!(alpha > 0 && alpha < 1)) throw UsageError("alpha must be between 0 and 1, e.g. 0.05");
  Comparison c;
  c.allow_noise = allow_noise;
  c.base_source = base.source;
  c.new_source = next.source;
  c.base_count = base.results.size();
  c.new_count = next.results.size();
  c.alpha = alpha;
  if (!base.results.empty()) c.base_description = describe(base.results.front());
  if (!next.results.empty()) c.new_description = describe(next.results.front());
  for (const auto& m : compared_metrics()) {
    std::vector<double> a, b;
    for (const auto& r : base.results) a.push_back(metric_value(r, m));
    for (const auto& r : next.results) b.push_back(metric_value(r, m));
    MetricComparison mc;
    mc.metric = m;
    mc.base_count = a.size();
    mc.new_count = b.size();
    mc.base_median = stats::median(a);
    mc.new_median = stats::median(b);
    if (mc.base_median != 0) {
      mc.change_percent = (mc.new_median - mc.base_median) / std::abs(mc.base_median) * 100;
    } else {
      mc.change_defined = mc.new_median == 0;
    }
    mc.test = stats::mann_whitney_u(a, b);
    // A change too small to matter is not flagged however consistent it is:
    // peak RSS, for one, moves by a few pages between identical runs.
    mc.significant = mc.test.p < alpha &&
                     (!mc.change_defined || std::abs(mc.change_percent) >= kMinChangePercent);
    if (m == "cpu_usage") {
      for (auto* v : {&a, &b}) {
        for (double& x : *v) x *= 100;  // points
      }
    }
    mc.shift = stats::hodges_lehmann(b, a, 1 - alpha);
    c.metrics.push_back(mc);
  }

  std::vector<NamedResult> base_runs = named_results(base, "base"),
                           new_runs = named_results(next, "new");
  // Like with like: every run against the first of the base set.
  if (!base_runs.empty()) {
    for (const auto* runs : {&base_runs, &new_runs}) {
      for (const auto& r : *runs) {
        for (auto& d : settings_differences(base_runs.front().result, r.result)) {
          if (std::find(c.settings_differences.begin(), c.settings_differences.end(), d) ==
              c.settings_differences.end()) {
            c.settings_differences.push_back(std::move(d));
          }
        }
      }
    }
  }
  c.disturbed = disturbed_runs(base_runs);
  for (auto& d : disturbed_runs(new_runs)) c.disturbed.push_back(std::move(d));
  // Untraced against traced: the CPU shift is the tracer's overhead, and
  // below zero beyond its interval it is a measurement problem.
  auto base_traced = traced(base_runs), new_traced = traced(new_runs);
  if (base_traced && new_traced && *base_traced != *new_traced && !c.metrics.empty()) {
    const auto& cpu = c.metrics.front();
    bool saving = cpu.shift.reached &&
                  (*new_traced ? cpu.shift.below_zero() : cpu.shift.defined && cpu.shift.low > 0);
    if (saving) {
      c.measurement_problem = fmt::format(
          "the traced runs used less CPU than the untraced ones beyond the {:.0f}% interval "
          "(new - base {}); a tracer cannot cost less than nothing, so something else moved the "
          "figures (other load, a calibration off target)",
          cpu.shift.confidence * 100, shift_text(cpu));
    }
  }
  if (c.base_count < kRecommendedRepetitions || c.new_count < kRecommendedRepetitions) {
    c.warnings.push_back(
        fmt::format("results unreliable: {} vs {} repetitions; {}+ a side are recommended "
                    "(spanbench run --repeat {})",
                    c.base_count, c.new_count, kRecommendedRepetitions, kRecommendedRepetitions));
  }
  for (const auto* s : {&base, &next}) {
    for (const auto& why : s->skipped) c.warnings.push_back("skipped " + s->source + " " + why);
  }
  return c;
}

std::string format_comparison(const Comparison& c) {
  std::string s;
  s += fmt::format("base: {} ({} runs, {})\n", c.base_source, c.base_count, c.base_description);
  s += fmt::format("new:  {} ({} runs, {})\n", c.new_source, c.new_count, c.new_description);
  s += fmt::format(
      "Mann-Whitney U test, two-sided, alpha {:g}; shift = new - base, Hodges-Lehmann estimate "
      "[{:.0f}% CI]; CPU share in points\n\n",
      c.alpha, (1 - c.alpha) * 100);
  s += fmt::format("{:<18} {:>14} {:>14} {:>10} {:>8}  {:<12} {}\n", "metric", "base median",
                   "new median", "change", "p-value", "", "shift [CI]");
  for (const auto& m : c.metrics) {
    std::string change = m.change_defined ? fmt::format("{:+.1f}%", m.change_percent) : "n/a";
    if (m.metric == "cpu_usage") {
      change = fmt::format("{:+.2f} pts", (m.new_median - m.base_median) * 100);
    }
    s += fmt::format("{:<18} {:>14} {:>14} {:>10} {:>8.4f}  {:<12} {}\n", m.metric,
                     metric_text(m.metric, m.base_median), metric_text(m.metric, m.new_median),
                     change, m.test.p, m.significant ? "significant" : "", shift_text(m));
  }
  size_t flagged = std::count_if(c.metrics.begin(), c.metrics.end(),
                                 [](const auto& m) { return m.significant; });
  if (c.noisy()) {
    s += "\nNOISY: no verdict: " + c.noise_text() + "\n";
  } else {
    s += fmt::format("\n{}\n", flagged == 0 ? std::string("no significant change")
                                            : fmt::format("{} significant change{}", flagged,
                                                          flagged == 1 ? "" : "s"));
  }
  for (const auto& w : c.warnings) s += "WARNING: " + w + "\n";
  for (const auto& d : c.settings_differences) {
    s += "WARNING: settings differ (compared with --force): " + d + "\n";
  }
  if (!c.disturbed.empty()) {
    s += fmt::format("disturbed runs ({} of {}{}):\n", c.disturbed.size(),
                     c.base_count + c.new_count,
                     c.allow_noise ? ", accepted with --allow-noise" : "");
    for (const auto& d : c.disturbed) s += "  " + d + "\n";
  }
  return s;
}

nlohmann::json to_json(const Comparison& c) {
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& m : c.metrics) {
    metrics.push_back({{"metric", m.metric},
                       {"base_count", m.base_count},
                       {"new_count", m.new_count},
                       {"base_median", m.base_median},
                       {"new_median", m.new_median},
                       {"change_percent", m.change_defined ? nlohmann::json(m.change_percent)
                                                           : nlohmann::json(nullptr)},
                       {"change_points", m.metric == "cpu_usage"
                                             ? nlohmann::json((m.new_median - m.base_median) * 100)
                                             : nlohmann::json(nullptr)},
                       {"shift", to_json(m.shift)},
                       {"u", m.test.u},
                       {"p_value", m.test.p},
                       {"exact", m.test.exact},
                       {"significant", m.significant}});
  }
  std::string verdict = c.noisy() ? "noisy" : c.any_significant() ? "changed" : "no_change";
  return {{"base", c.base_source},
          {"new", c.new_source},
          {"base_count", c.base_count},
          {"new_count", c.new_count},
          {"alpha", c.alpha},
          {"metrics", metrics},
          {"warnings", c.warnings},
          {"settings_differences", c.settings_differences},
          {"disturbed", c.disturbed},
          {"allow_noise", c.allow_noise},
          {"measurement_problem", c.measurement_problem},
          {"verdict", verdict}};
}

}  // namespace spanbench
