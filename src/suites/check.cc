#include "suites/check.h"

#include <fmt/format.h>

#include "suites/runner.h"

namespace spanbench {

bool CheckReport::passed() const {
  for (const auto& s : steps) {
    if (!s.passed) return false;
  }
  return !steps.empty();
}

bool protocol_carries_logs(ProtocolFamily protocol) { return family_spec(protocol).carries_logs; }

CheckReport check_client(Runner& runner, const CheckOptions& options,
                         const std::function<void(const CheckStep&)>& on_step) {
  const ClientEntry& entry = runner.client(options.client);
  if (!entry.reports_over_network()) {
    throw UsageError("client " + entry.name +
                     " reports nowhere (protocol \"none\"): there is nothing to check");
  }
  CheckReport report;
  report.client = entry.name;
  auto add = [&](CheckStep step) {
    if (on_step) on_step(step);
    report.steps.push_back(std::move(step));
  };

  // One run against fresh satellites in `mode`; a failed run is a failed step.
  auto run = [&](const std::string& name, const std::string& mode, bool trace, bool no_flush,
                 Result& out) {
    RunRecorder recorder(runner, entry.name, mode, options.satellite_ports);
    RunOptions ro = recorder.options();
    ro.trace = trace;
    ro.no_flush = no_flush;
    ro.spans_per_second = options.spans_per_second;
    ro.runtime_seconds = options.runtime_seconds;
    ro.num_tags = options.num_tags;
    ro.num_logs = options.num_logs;
    ro.fit_rate = false;  // delivery is checked here, not the CPU share
    try {
      out = recorder.run(ro);
      return true;
    } catch (const RunFailed& e) {
      add({name, false, e.what()});
      return false;
    }
  };

  Result traced;
  if (run("traced run delivers every span once", "typical", true, false, traced)) {
    bool ok = traced.spans_received == traced.spans_sent && traced.duplicate_spans == 0 &&
              traced.spans_sent > 0;
    add({"traced run delivers every span once", ok,
         fmt::format("{} sent, {} received, {} duplicates", traced.spans_sent,
                     traced.spans_received, traced.duplicate_spans)});
    int64_t want_tags = traced.spans_sent * options.num_tags;
    add({"span tags arrive", traced.received_tags >= want_tags,
         fmt::format("{} tags received, at least {} expected", traced.received_tags, want_tags)});
    if (protocol_carries_logs(entry.protocol)) {
      int64_t want_logs = traced.spans_sent * options.num_logs;
      add({"span logs arrive", traced.received_logs >= want_logs,
           fmt::format("{} logs received, at least {} expected", traced.received_logs, want_logs)});
    }
  }

  Result untraced;
  if (run("untraced run sends nothing", "typical", false, false, untraced)) {
    add({"untraced run sends nothing", untraced.spans_received == 0,
         fmt::format("{} received", untraced.spans_received)});
  }

  Result no_flush;
  if (run("NoFlush run accounts its drops", "typical", true, true, no_flush)) {
    bool ok = no_flush.spans_received <= no_flush.spans_sent &&
              no_flush.dropped_spans == no_flush.spans_sent - no_flush.spans_received &&
              no_flush.duplicate_spans == 0;
    add({"NoFlush run accounts its drops", ok,
         fmt::format("{} sent, {} received, {} dropped", no_flush.spans_sent,
                     no_flush.spans_received, no_flush.dropped_spans)});
  }

  Result failing;
  if (run("slow_fail satellites drop everything", "slow_fail", true, false, failing)) {
    bool ok = failing.spans_received == 0 && failing.dropped_spans == failing.spans_sent;
    add({"slow_fail satellites drop everything", ok,
         fmt::format("{} sent, {} received, {} dropped", failing.spans_sent, failing.spans_received,
                     failing.dropped_spans)});
  }
  return report;
}

}  // namespace spanbench
