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
  // How often the client's peak RSS (VmHWM) is read between samples: the
  // last read before exit bounds what the report can miss.
  std::chrono::milliseconds peak_poll{100};
  // Polled about every 100 ms; returning true stops the client early.
  std::function<bool()> should_stop;
};

// What the monitor saw of one child from the outside.
struct MonitorReport {
  double clock_seconds = 0;          // spawn to exit
  double cpu_seconds = 0;            // user + system of all threads, from wait4
  std::vector<double> cpu_list;      // CPU share over each sample interval
  std::vector<int64_t> memory_list;  // RSS bytes at each sample
  // Peak RSS of the client program itself: the highest VmHWM read while it
  // ran. (The kernel's rusage figure would include spanbench's own peak,
  // which a spawned child inherits.)
  int64_t max_rss_bytes = 0;
  // Time the client's threads spent runnable but waiting for a CPU, as of
  // the last reading before exit.
  int64_t runqueue_wait_ns = 0;
  // The machine's CPU time from spawn to exit, and the other processes'
  // share of it: (machine busy - client CPU) / wall, in cores.
  double other_cpu_cores = 0;
  double steal_share = 0;
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
