#include "core/control_command.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace spanbench {

nlohmann::json to_json(const ControlCommand& c) {
  return {
      {"Trace", c.trace},
      {"Sleep", c.sleep_ns},
      {"SleepInterval", c.sleep_interval_ns},
      {"Work", c.work},
      {"Repeat", c.repeat},
      {"NoFlush", c.no_flush},
      {"NumTags", c.num_tags},
      {"NumLogs", c.num_logs},
      {"SatelliteHost", c.satellite_host},
      {"SatellitePorts", c.satellite_ports},
  };
}

namespace {
template <typename T>
void read_field(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(std::string("control message field \"") + key +
                "\" has the wrong type: " + it->dump());
  }
}
}  // namespace

ControlCommand control_command_from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error("control message is not a JSON object: " + std::string(text.substr(0, 80)));
  }
  ControlCommand c;
  read_field(j, "Trace", c.trace);
  read_field(j, "Sleep", c.sleep_ns);
  read_field(j, "SleepInterval", c.sleep_interval_ns);
  read_field(j, "Work", c.work);
  read_field(j, "Repeat", c.repeat);
  read_field(j, "NoFlush", c.no_flush);
  read_field(j, "NumTags", c.num_tags);
  read_field(j, "NumLogs", c.num_logs);
  read_field(j, "SatelliteHost", c.satellite_host);
  read_field(j, "SatellitePorts", c.satellite_ports);
  return c;
}

std::string exit_command_json() { return R"({"Exit":true})"; }

ClientReport client_report_from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error("client /result body is not a JSON object");
  }
  ClientReport r;
  read_field(j, "SpansSent", r.spans_sent);
  read_field(j, "LoopSeconds", r.loop_seconds);
  read_field(j, "FlushSeconds", r.flush_seconds);
  read_field(j, "TracerVersion", r.tracer_version);
  return r;
}

}  // namespace spanbench
