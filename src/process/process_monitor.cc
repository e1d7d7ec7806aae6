#include "process/process_monitor.h"

#include <unistd.h>

#include <algorithm>

#include "process/proc_stat.h"

namespace spanbench {

MonitorReport monitor_until_exit(ChildProcess& child, std::chrono::steady_clock::time_point started,
                                 const MonitorOptions& options) {
  using clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  MonitorReport report;
  const auto system_start = system_cpu_times();
  auto next_sample = started + options.sample_interval;
  auto last_sample_time = started;
  int64_t last_cpu_ns = 0;
  std::optional<clock::time_point> deadline;
  if (options.timeout) deadline = started + *options.timeout;
  auto read_peaks = [&] {
    if (auto hwm = process_peak_rss_bytes(child.pid()))
      report.max_rss_bytes = std::max(report.max_rss_bytes, *hwm);
    if (auto wait = process_runqueue_wait_ns(child.pid())) report.runqueue_wait_ns = *wait;
  };

  while (true) {
    auto now = clock::now();
    auto wake = std::min(next_sample, now + options.peak_poll);
    if (deadline) wake = std::min(wake, *deadline);
    auto wait = std::chrono::ceil<milliseconds>(std::max(wake - now, clock::duration::zero()));
    if (child.wait_for_exit(wait)) break;

    now = clock::now();
    read_peaks();
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
        report.max_rss_bytes = std::max(report.max_rss_bytes, *rss);
        last_cpu_ns = *cpu_ns;
        last_sample_time = now;
      }
      next_sample += options.sample_interval;
      // If the controller itself was descheduled for long, skip missed slots.
      while (next_sample <= now) next_sample += options.sample_interval;
    }
  }
  // The client's own exit, not the end of the clean-up of what it left behind.
  report.clock_seconds = std::chrono::duration<double>(child.exit_time() - started).count();
  report.exit = child.exit_info();
  report.cpu_seconds = report.exit.cpu_seconds();
  // A client that exits within the first poll was never read: fall back to
  // the kernel's figure, which is an upper bound.
  if (report.max_rss_bytes == 0) report.max_rss_bytes = report.exit.max_rss_bytes();

  const auto system_end = system_cpu_times();
  const double ticks_per_second = double(sysconf(_SC_CLK_TCK));
  if (system_start && system_end && report.clock_seconds > 0) {
    const double busy_s =
        double(system_end->busy_ticks - system_start->busy_ticks) / ticks_per_second;
    const double total = double(system_end->total_ticks() - system_start->total_ticks());
    report.other_cpu_cores = std::max(0.0, busy_s - report.cpu_seconds) / report.clock_seconds;
    report.steal_share =
        total > 0 ? double(system_end->steal_ticks - system_start->steal_ticks) / total : 0;
  }
  return report;
}

}  // namespace spanbench
