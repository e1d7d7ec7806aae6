#include "suites/satellites.h"

#include "core/error.h"
#include "satellite/satellite_group.h"

namespace spanbench {

std::vector<uint16_t> parse_ports(const std::string& text) {
  return satellite::parse_port_list(text, "--satellite-ports");
}

std::vector<std::string> satellite_modes() {
  return {"typical", "slow_succeed", "slow_fail", "none"};
}

std::string satellite_modes_help() { return "typical, slow_succeed, slow_fail or none"; }

RunSatellites open_run_satellites(const std::string& mode, const ClientEntry& client,
                                  const std::vector<uint16_t>& ports,
                                  const SatelliteOutage& outage) {
  RunSatellites out;
  if (mode == "none") return out;
  if (!client.reports_over_network()) {
    out.label = "none (" + client.name + " reports nowhere)";
    return out;
  }
  satellite::SatelliteOptions o;
  auto m = satellite::parse_mode(mode);
  if (!m)
    throw UsageError("unknown satellite mode \"" + mode + "\"; use " + satellite_modes_help());
  o.mode = *m;
  o.transport = family_spec(client.protocol).transport;
  o.admin_port = 0;  // each HTTP satellite port serves the admin API already
  if (!ports.empty()) o.ports = ports;
  o.down_at = outage.down_at;
  o.up_at = outage.up_at;
  auto group = std::make_shared<satellite::SatelliteGroup>(o);
  try {
    group->start();
  } catch (const satellite::PortInUseError& e) {
    throw Error("satellite port " + std::to_string(e.port()) +
                " is in use: stop what uses it or pass --satellite-ports with free ports");
  }
  out.sink = group;
  out.label = mode;
  out.ports = o.ports;
  return out;
}

}  // namespace spanbench
