#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace spanbench {

// Fields of /proc/PID/stat that the monitor uses.
struct ProcStat {
  char state = '?';
  int64_t utime_ticks = 0;  // clock ticks (sysconf(_SC_CLK_TCK))
  int64_t stime_ticks = 0;
  int64_t num_threads = 0;
  int64_t rss_pages = 0;
};

// Parsers take the file's text and do no I/O, so they can be tested on
// captured contents. They return nullopt on text they cannot parse.
std::optional<ProcStat> parse_proc_stat(std::string_view text);
// /proc/PID/statm: returns the resident set size in pages (second field).
std::optional<int64_t> parse_statm_resident_pages(std::string_view text);
// /proc/PID/task/TID/schedstat: nanoseconds spent on the CPU (first field).
std::optional<int64_t> parse_schedstat_runtime_ns(std::string_view text);

// /proc/PID/status: the "VmHWM:" line (peak RSS of the current program,
// reset by exec, so unlike rusage it never includes the parent's), bytes.
std::optional<int64_t> parse_status_vmhwm_bytes(std::string_view text);
// /proc/PID/task/TID/schedstat: nanoseconds spent runnable but waiting for
// a CPU (second field).
std::optional<int64_t> parse_schedstat_wait_ns(std::string_view text);

// The machine's CPU time from the first line of /proc/stat, in clock ticks.
struct SystemCpuTimes {
  int64_t busy_ticks = 0;   // user, nice, system, irq, softirq
  int64_t idle_ticks = 0;   // idle, iowait
  int64_t steal_ticks = 0;  // taken by the hypervisor
  int64_t total_ticks() const { return busy_ticks + idle_ticks + steal_ticks; }
};
std::optional<SystemCpuTimes> parse_proc_stat_cpu_line(std::string_view text);
std::optional<SystemCpuTimes> system_cpu_times();
// The 1-minute load average (/proc/loadavg), or nullopt.
std::optional<double> load_average_1m();

// Live readings of another process. CPU time comes from the kernel's
// per-process CPU clock (clock_getcpuclockid): nanosecond resolution,
// all threads including those that have exited, unlike the 10 ms ticks
// of /proc/PID/stat. Return nullopt once the process is gone or has exited
// (a zombie's RSS reads as 0, which would be a false sample).
std::optional<int64_t> process_cpu_ns(pid_t pid);
std::optional<int64_t> process_rss_bytes(pid_t pid);
std::optional<int64_t> process_peak_rss_bytes(pid_t pid);
// Run-queue wait of the process's live threads, summed.
std::optional<int64_t> process_runqueue_wait_ns(pid_t pid);

}  // namespace spanbench
