#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/client_registry.h"
#include "core/span_sink.h"

namespace spanbench {

// The satellites a run reports to, started for the client's protocol.
struct RunSatellites {
  std::shared_ptr<SpanSink> sink;  // null: no satellites
  std::string label = "none";
  std::vector<uint16_t> ports;
};

// When the satellites go down and come back, counted from their start
// (the disconnect graph); unset: they stay up.
struct SatelliteOutage {
  std::optional<std::chrono::milliseconds> down_at, up_at;
};

// "8360-8367" or "8360,8362"; throws UsageError naming --satellite-ports.
std::vector<uint16_t> parse_ports(const std::string& text);
std::vector<std::string> satellite_modes();  // typical, slow_succeed, slow_fail, none
std::string satellite_modes_help();

// Starts a satellite group in `mode` speaking the client's protocol family
// (the transport its protocol table entry names: gRPC for "otlp-grpc", HTTP
// + UDP otherwise) on `ports` (empty: the defaults), going down and up as
// `outage` says. "none", or a client that reports nowhere, gets no
// satellites. Throws spanbench::Error naming the port and option when a port
// is taken.
RunSatellites open_run_satellites(const std::string& mode, const ClientEntry& client,
                                  const std::vector<uint16_t>& ports,
                                  const SatelliteOutage& outage = {});

}  // namespace spanbench
