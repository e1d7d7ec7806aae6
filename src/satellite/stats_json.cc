#include "satellite/stats_json.h"

#include <string>

namespace spanbench::satellite {
namespace {

nlohmann::json fields(const ProtocolStats& s) {
  return nlohmann::json{{"spans", s.spans},       {"reports", s.reports},
                        {"bytes", s.bytes},       {"duplicates", s.duplicates},
                        {"rejected", s.rejected}, {"failed", s.failed},
                        {"tags", s.tags},         {"logs", s.logs}};
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
