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
  out += fmt::format("  loop {:.2f}s, {:.3f}s CPU (ended by {}); start-up {:.3f}s, {:.3f}s CPU",
                     r.loop_seconds, r.loop_cpu_seconds,
                     r.loop_end == "result" ? "POST /result" : "exit", r.startup_seconds,
                     r.startup_cpu_seconds);
  if (r.setup_seconds > 0) {
    out +=
        fmt::format("; tracer set-up {:.3f}s, {:.3f}s CPU", r.setup_seconds, r.setup_cpu_seconds);
  }
  if (r.loop_end == "result") {
    out += fmt::format("; flush {:.3f}s, {:.3f}s CPU", r.flush_seconds, r.flush_cpu_seconds);
  }
  out += fmt::format("; whole process {:.1f}% CPU\n", 100.0 * r.process_cpu_usage);
  if (r.satellites != "none") {
    out += fmt::format("  {} received, {} duplicates ({} satellites)\n", r.spans_received,
                       r.duplicate_spans, r.satellites);
  }
  if (r.max_rss_bytes > 0)
    out += fmt::format("  {:.1f} MiB peak RSS\n", double(r.max_rss_bytes) / (1 << 20));
  if (r.disturbed) {
    out += fmt::format("  DISTURBED: {}; rerun on a quieter machine\n", r.disturbance);
  }
  return out;
}

std::string format_calibration(const Calibration& c) {
  return fmt::format(
      "calibration of {} at {:.0f}% CPU: {:.3g} work units/s, {:.3g} ns sleep per work unit, "
      "{:.0f} ns per span overhead, start-up {:.1f} ms CPU (took {:.1f}s, {} probe runs)\n",
      c.client, 100 * c.target_cpu, c.work_units_per_second(), c.sleep_ns_per_work_unit(),
      c.span_overhead_ns, c.startup_cpu_seconds * 1000, c.calibration_seconds, c.probe_runs);
}

std::string format_rate_fit(const Calibration& c, const RateFit& fit, bool fresh,
                            const std::string& source) {
  std::string head = fmt::format("calibration of {} at {:.0f}% CPU, {:g} spans/s: ", c.client,
                                 100 * c.target_cpu, fit.spans_per_second);
  std::string errors = fit.noisy_runs >= fit.iterations
                           ? std::string("no verification run was usable")
                           : fmt::format("last verification {:+.2f} CPU points, {:+.2f}% rate",
                                         fit.cpu_error_points, 100 * fit.rate_error);
  if (!fresh) {
    return head + fmt::format("reused{} ({})\n", source.empty() ? "" : " from " + source, errors);
  }
  std::string noisy =
      fit.noisy_runs > 0
          ? fmt::format("; {} not used: the machine was busy, results will be marked disturbed",
                        fit.noisy_runs)
          : "";
  return head + fmt::format("{} after {} verification run{} in {:.1f}s ({}{})\n",
                            fit.converged ? "converged" : "NOT converged", fit.iterations,
                            fit.iterations == 1 ? "" : "s", fit.seconds, errors, noisy);
}

}  // namespace spanbench
