#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench {

// The control message a client fetches from GET /control (docs/protocol.md).
struct ControlCommand {
  bool trace = true;
  int64_t sleep_ns = 100;                   // sleep owed per span
  int64_t sleep_interval_ns = 100'000'000;  // sleep in chunks of this size
  int64_t work = 200'000;                   // float multiplications per span
  int64_t repeat = 500;                     // spans to emit
  bool no_flush = false;
  int num_tags = 10;
  int num_logs = 15;
  std::string satellite_host = "127.0.0.1";
  std::vector<uint16_t> satellite_ports = {8360, 8361, 8362, 8363, 8364, 8365, 8366, 8367};
};

nlohmann::json to_json(const ControlCommand& c);
// Parses a control message; unknown fields are ignored, missing fields take
// the defaults above. Throws spanbench::Error on a malformed message.
ControlCommand control_command_from_json(std::string_view text);
// The answer to every GET /control after the first one of a run.
std::string exit_command_json();

// What a precise client may POST to /result before exiting.
struct ClientReport {
  int64_t spans_sent = -1;  // -1: not reported
  double loop_seconds = 0;
  double flush_seconds = 0;
  std::string tracer_version;  // e.g. "dd-opentracing-cpp 1.3.6", if the client says
};
ClientReport client_report_from_json(std::string_view text);

}  // namespace spanbench
