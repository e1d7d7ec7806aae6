#pragma once

#include <nlohmann/json.hpp>

#include "satellite/span_counter.h"

namespace spanbench::satellite {

// The /stats document: group totals at the top level, then per_protocol
// with the same fields for every protocol (zeros included, so the shape
// never changes).
nlohmann::json stats_to_json(const SatelliteStats& stats);

}  // namespace spanbench::satellite
