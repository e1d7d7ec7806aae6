#include "report/console_reporter.h"

#include <fmt/format.h>

namespace spanbench {

std::string format_result(const Result& r) {
  double dropped_pct =
      r.spans_sent > 0 ? 100.0 * double(r.dropped_spans) / double(r.spans_sent) : 0.0;
  std::string out = fmt::format(
      "  {:.1f} spans / sec\n"
      "  {:.1f}% CPU usage\n"
      "  {:.1f}% spans dropped (out of {} sent)\n"
      "  took {:.1f}s\n",
      r.spans_per_second, 100.0 * r.cpu_usage, dropped_pct, r.spans_sent, r.clock_time);
  if (r.satellites != "none") {
    out += fmt::format("  {} received, {} duplicates ({} satellites)\n", r.spans_received,
                       r.duplicate_spans, r.satellites);
  }
  if (r.max_rss_bytes > 0)
    out += fmt::format("  {:.1f} MiB peak RSS\n", double(r.max_rss_bytes) / (1 << 20));
  return out;
}

std::string format_calibration(const Calibration& c) {
  return fmt::format(
      "calibration of {} at {:.0f}% CPU: {:.3g} work units/s, {:.3g} ns sleep per work unit, "
      "{:.0f} ns per span overhead, start-up {:.1f} ms CPU (took {:.1f}s, {} probe runs)\n",
      c.client, 100 * c.target_cpu, c.work_units_per_second(), c.sleep_ns_per_work_unit(),
      c.span_overhead_ns, c.startup_cpu_seconds * 1000, c.calibration_seconds, c.probe_runs);
}

}  // namespace spanbench
