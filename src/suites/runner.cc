#include "suites/runner.h"

#include "report/json_reporter.h"

namespace spanbench {

const ClientEntry& ControllerRunner::client(const std::string& name) const {
  return controller_.registry().get(name);
}

RunSatellites ControllerRunner::start_satellites(const std::string& mode, const ClientEntry& client,
                                                 const std::vector<uint16_t>& ports,
                                                 const SatelliteOutage& outage) {
  return open_run_satellites(mode, client, ports, outage);
}

Result ControllerRunner::run(const RunOptions& options) {
  return controller_.run(options, calibration_);
}

Result run_and_record(Runner& runner, const RunOptions& options_in, const RecordTo& to) {
  RunOptions options = options_in;
  // The folded stacks go beside the result document, which names them.
  const bool folded_beside = options.profile && options.profile_folded.empty() && !to.file.empty();
  if (folded_beside)
    options.profile_folded = std::filesystem::path(to.file).replace_extension(".folded");
  Result r;
  try {
    r = runner.run(options);
    if (folded_beside && r.profile) {
      r.profile->folded = options.profile_folded.filename().string();
    }
  } catch (const RunFailed& e) {
    if (!to.file.empty()) {
      auto doc = result_document(e.partial(), runner.calibration());
      doc["error"] = e.what();
      for (const auto& [key, value] : to.failure_fields.items()) doc[key] = value;
      for (const auto& [key, value] : to.fields.items()) doc[key] = value;
      write_json_file(doc, to.file);
    }
    throw;
  }
  if (!to.file.empty() && !to.failures_only) {
    auto doc = result_document(r, runner.calibration());
    for (const auto& [key, value] : to.fields.items()) doc[key] = value;
    write_json_file(doc, to.file);
  }
  return r;
}

void use_satellites(RunOptions& options, const RunSatellites& satellites) {
  options.sink = satellites.sink.get();
  options.sink_label = satellites.label;
  if (!satellites.ports.empty()) options.satellite_ports = satellites.ports;
}

RunRecorder::RunRecorder(Runner& runner, const std::string& client,
                         const std::string& satellite_mode, const std::vector<uint16_t>& ports,
                         const SatelliteOutage& outage)
    : runner_(runner),
      client_(runner.client(client)),
      satellites_(runner.start_satellites(satellite_mode, client_, ports, outage)) {}

RunOptions RunRecorder::options() const {
  RunOptions o;
  o.client = client_.name;
  use_satellites(o, satellites_);
  return o;
}

}  // namespace spanbench
