#include "process/process_monitor.h"

#include <algorithm>

#include "process/proc_stat.h"

namespace spanbench {

MonitorReport monitor_until_exit(ChildProcess& child, std::chrono::steady_clock::time_point started,
                                 const MonitorOptions& options) {
  using clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  MonitorReport report;
  // Wake at least this often to notice a stop request.
  const milliseconds stop_poll(100);
  auto next_sample = started + options.sample_interval;
  auto last_sample_time = started;
  int64_t last_cpu_ns = 0;
  std::optional<clock::time_point> deadline;
  if (options.timeout) deadline = started + *options.timeout;

  while (true) {
    auto now = clock::now();
    auto wake = next_sample;
    if (deadline) wake = std::min(wake, *deadline);
    if (options.should_stop) wake = std::min(wake, now + stop_poll);
    auto wait = std::chrono::ceil<milliseconds>(std::max(wake - now, clock::duration::zero()));
    if (child.wait_for_exit(wait)) break;

    now = clock::now();
    if (options.should_stop && options.should_stop()) {
      report.stopped = true;
      child.kill_group();
      break;
    }
    if (deadline && now >= *deadline) {
      report.timed_out = true;
      child.kill_group();
      break;
    }
    if (now >= next_sample) {
      auto cpu_ns = process_cpu_ns(child.pid());
      auto rss = process_rss_bytes(child.pid());
      if (cpu_ns && rss) {
        double interval_s = std::chrono::duration<double>(now - last_sample_time).count();
        report.cpu_list.push_back(double(*cpu_ns - last_cpu_ns) / 1e9 / interval_s);
        report.memory_list.push_back(*rss);
        last_cpu_ns = *cpu_ns;
        last_sample_time = now;
      }
      next_sample += options.sample_interval;
      // If the controller itself was descheduled for long, skip missed slots.
      while (next_sample <= now) next_sample += options.sample_interval;
    }
  }
  report.clock_seconds = std::chrono::duration<double>(clock::now() - started).count();
  report.exit = child.exit_info();
  report.cpu_seconds = report.exit.cpu_seconds();
  report.max_rss_bytes = report.exit.max_rss_bytes();
  return report;
}

}  // namespace spanbench
