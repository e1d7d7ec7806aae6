#include <nlohmann/json.hpp>

#include "report/export.h"

namespace spanbench {
namespace {

nlohmann::json summary_json(const stats::Summary& s) {
  return {{"n", s.n},   {"median", s.median}, {"mean", s.mean},
          {"sd", s.sd}, {"min", s.min},       {"max", s.max}};
}

nlohmann::json interval_json(const stats::ShiftInterval& s) {
  if (!s.defined) return nullptr;
  return {{"estimate", s.estimate},     {"low", s.low},         {"high", s.high},
          {"confidence", s.confidence}, {"reached", s.reached}, {"exact", s.exact}};
}

}  // namespace

std::string JsonExporter::serialize(const RunSetExport& e) const {
  nlohmann::json sets = nlohmann::json::object();
  for (const auto& set : e.summary.sets) {
    nlohmann::json j = {{"runs", set.runs}};
    for (SummaryMetric m : kSummaryMetrics) j[metric_key(m)] = summary_json(set.of(m));
    sets[set.label] = j;
  }
  nlohmann::json overhead = nullptr;
  if (e.summary.overhead) {
    overhead = {{"confidence", e.summary.confidence},
                {"cpu_points", interval_json(e.summary.overhead->cpu_points)},
                {"cpu_ns_per_span", interval_json(e.summary.overhead->cpu_ns_per_span)}};
  }
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : e.runs) runs.push_back({{"name", r.name}, {"result", to_json(r.result)}});
  nlohmann::json doc = {
      {"created", e.created},
      {"spanbench_version", e.spanbench_version},
      {"git_commit", e.git_commit},
      {"machine", e.machine},
      {"description", e.summary.description},
      {"complete", e.complete()},
      {"planned_runs", e.planned_runs},
      {"failed", e.failed},
      {"summary", sets},
      {"overhead", overhead},
      {"verdict", e.verdict},
      {"runs", runs},
  };
  return doc.dump(2) + "\n";
}

}  // namespace spanbench
