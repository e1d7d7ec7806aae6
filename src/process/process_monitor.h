#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "process/child_process.h"

namespace spanbench {

struct MonitorOptions {
  // Kill the client's process group when it runs longer than this.
  std::optional<std::chrono::milliseconds> timeout;
  std::chrono::milliseconds sample_interval{1000};
  // Polled about every 100 ms; returning true stops the client early.
  std::function<bool()> should_stop;
};

// What the monitor saw of one child from the outside.
struct MonitorReport {
  double clock_seconds = 0;          // spawn to exit
  double cpu_seconds = 0;            // user + system of all threads, from wait4
  std::vector<double> cpu_list;      // CPU share over each sample interval
  std::vector<int64_t> memory_list;  // RSS bytes at each sample
  int64_t max_rss_bytes = 0;
  bool timed_out = false;
  bool stopped = false;  // `stop` was set
  ExitInfo exit;
};

// Watches `child` until it exits, sampling CPU share and RSS every
// sample_interval. Sleeps in poll() between samples: a 10 s run costs the
// controller a few dozen wakeups, not a core.
MonitorReport monitor_until_exit(ChildProcess& child, std::chrono::steady_clock::time_point started,
                                 const MonitorOptions& options);

}  // namespace spanbench
