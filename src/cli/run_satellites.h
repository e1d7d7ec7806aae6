#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controller/client_registry.h"
#include "core/span_sink.h"

namespace spanbench::cli {

// The satellites a `run` reports to, started for the client's protocol.
struct RunSatellites {
  std::shared_ptr<SpanSink> sink;  // null for "none"
  std::string label = "none";
  std::vector<uint16_t> ports;
};

// "8360-8367" or "8360,8362"; throws UsageError.
std::vector<uint16_t> parse_ports(const std::string& text);
std::vector<std::string> satellite_modes();
std::string satellite_modes_help();
std::string default_satellite_mode();
// Starts satellites in `mode` for the client's protocol family on `ports`
// (empty: the defaults). A client that reports nowhere gets none.
RunSatellites open_run_satellites(const std::string& mode, const ClientEntry& client,
                                  const std::vector<uint16_t>& ports);

}  // namespace spanbench::cli
