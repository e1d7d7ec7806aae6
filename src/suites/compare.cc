#include "suites/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.h"

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
  return fmt::format("{:.1f}", v);
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
      std::ifstream in(f);
      std::stringstream ss;
      ss << in.rdbuf();
      consider(set, nlohmann::json::parse(ss.str(), nullptr, false), f.filename().string());
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
  static const std::vector<std::string> m = {"cpu_usage", "spans_per_second", "dropped_share",
                                             "max_rss_bytes", "program_time"};
  return m;
}

double metric_value(const nlohmann::json& r, const std::string& metric) {
  if (metric == "dropped_share") {
    double sent = r.value("spans_sent", 0.0);
    return sent > 0 ? r.value("dropped_spans", 0.0) / sent : 0;
  }
  return r.value(metric, 0.0);
}

bool Comparison::any_significant() const {
  return std::any_of(metrics.begin(), metrics.end(), [](const auto& m) { return m.significant; });
}

Comparison compare_result_sets(const ResultSet& base, const ResultSet& next, double alpha) {
  if (!(alpha > 0 && alpha < 1)) throw UsageError("alpha must be between 0 and 1, e.g. 0.05");
  Comparison c;
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
    mc.significant = mc.test.p < alpha;
    c.metrics.push_back(mc);
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
  s += fmt::format("Mann-Whitney U test, two-sided, alpha {:g}\n\n", c.alpha);
  s += fmt::format("{:<18} {:>14} {:>14} {:>9} {:>8}  {}\n", "metric", "base median", "new median",
                   "change", "p-value", "");
  for (const auto& m : c.metrics) {
    std::string change = m.change_defined ? fmt::format("{:+.1f}%", m.change_percent) : "n/a";
    s += fmt::format("{:<18} {:>14} {:>14} {:>9} {:>8.4f}  {}\n", m.metric,
                     metric_text(m.metric, m.base_median), metric_text(m.metric, m.new_median),
                     change, m.test.p, m.significant ? "significant" : "");
  }
  size_t flagged = std::count_if(c.metrics.begin(), c.metrics.end(),
                                 [](const auto& m) { return m.significant; });
  s += fmt::format("\n{}\n", flagged == 0 ? std::string("no significant change")
                                          : fmt::format("{} significant change{}", flagged,
                                                        flagged == 1 ? "" : "s"));
  for (const auto& w : c.warnings) s += "WARNING: " + w + "\n";
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
                       {"u", m.test.u},
                       {"p_value", m.test.p},
                       {"exact", m.test.exact},
                       {"significant", m.significant}});
  }
  return {{"base", c.base_source},    {"new", c.new_source}, {"base_count", c.base_count},
          {"new_count", c.new_count}, {"alpha", c.alpha},    {"metrics", metrics},
          {"warnings", c.warnings}};
}

}  // namespace spanbench
