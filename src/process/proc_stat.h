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

// Live readings of another process. CPU time comes from the kernel's
// per-process CPU clock (clock_getcpuclockid): nanosecond resolution,
// all threads including those that have exited, unlike the 10 ms ticks
// of /proc/PID/stat. Return nullopt once the process is gone or has exited
// (a zombie's RSS reads as 0, which would be a false sample).
std::optional<int64_t> process_cpu_ns(pid_t pid);
std::optional<int64_t> process_rss_bytes(pid_t pid);

}  // namespace spanbench
