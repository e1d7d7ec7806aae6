#include "satellite/stats_json.h"

#include <string>

namespace spanbench::satellite {
namespace {

nlohmann::json seconds_or_null(bool measured, double seconds) {
  return measured ? nlohmann::json(seconds) : nlohmann::json(nullptr);
}

nlohmann::json fields(const ProtocolStats& s) {
  const bool measured = s.latency_spans > 0;
  return nlohmann::json{{"spans", s.spans},
                        {"reports", s.reports},
                        {"bytes", s.bytes},
                        {"duplicates", s.duplicates},
                        {"rejected", s.rejected},
                        {"failed", s.failed},
                        {"tags", s.tags},
                        {"logs", s.logs},
                        {"latency_spans", s.latency_spans},
                        {"latency_nonpositive", s.latency_nonpositive},
                        {"latency_p50_seconds", seconds_or_null(measured, s.latency_p50_seconds)},
                        {"latency_p99_seconds", seconds_or_null(measured, s.latency_p99_seconds)}};
}

}  // namespace

nlohmann::json stats_to_json(const SatelliteStats& stats) {
  nlohmann::json out = fields(stats.total);
  nlohmann::json per = nlohmann::json::object();
  for (size_t i = 0; i < kProtocolCount; ++i) {
    per[std::string(protocol_name(static_cast<Protocol>(i)))] = fields(stats.per_protocol[i]);
  }
  out["per_protocol"] = std::move(per);
  return out;
}

}  // namespace spanbench::satellite
