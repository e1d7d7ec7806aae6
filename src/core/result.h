#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace spanbench {

// A sampled CPU profile of the client's span loop (spanbench run --profile,
// docs/profiling.md).
struct ProfileInfo {
  // The folded stacks: a file name, relative to the folder of the run's
  // result JSON (a path when the run has no result file).
  std::string folded;
  double frequency_hz = 0;
  int64_t samples = 0;              // samples in the folded file (the span loop's)
  int64_t lost_samples = 0;         // samples perf could not keep
  std::string unwinding;            // "fp" (frame pointers) or "dwarf"
  double profiler_cpu_seconds = 0;  // perf's own CPU while it recorded
  std::vector<std::string> notes;   // missing symbols and other limits
};

// One run's measurements (docs/protocol.md). Field names in JSON are fixed there.
struct Result {
  // What was asked.
  std::string client;
  bool trace = false;
  double target_spans_per_second = 0;
  double target_runtime = 0;
  // What the client and satellites did.
  int64_t spans_sent = 0;
  int64_t spans_planned = 0;  // the command's Repeat
  int64_t spans_received = 0;
  int64_t dropped_spans = 0;
  int64_t duplicate_spans = 0;
  // Measured from outside the client.
  double program_time = 0;  // CPU seconds, user + system, all threads, spawn to exit
  double clock_time = 0;    // wall seconds from spawn to exit
  // CPU share of the span loop (loop_cpu_seconds / loop_seconds): the figure
  // calibration targets and the console prints as "CPU usage".
  double cpu_usage = 0;
  double process_cpu_usage = 0;      // program_time / clock_time: start-up and flush included
  double spans_per_second = 0;       // spans_sent / loop_seconds
  std::vector<double> cpu_list;      // CPU share each second, 0..1
  std::vector<int64_t> memory_list;  // RSS bytes each second
  // Extras (not in LightStep Benchmarks' results): peak RSS, the client's own timings if it
  // POSTed /result, where its log is, which satellites it reported to.
  int64_t max_rss_bytes = 0;
  double client_loop_seconds = 0;
  double client_flush_seconds = 0;
  std::string satellites = "none";
  int64_t received_tags = 0;  // span tags/logs the satellites decoded, for
  int64_t received_logs = 0;  // checking that the span shape arrived
  // Export latency: satellite receive time minus each span's end time as the
  // tracer stamped it (first-seen spans only). Empty when no span carried an
  // end time (untraced runs, wire formats without timestamps).
  std::optional<double> export_latency_p50_seconds;
  std::optional<double> export_latency_p99_seconds;
  int64_t export_latency_spans = 0;

  // The phases of the client process, read by the controller from the
  // client's CPU clock at its protocol events: start-up (spawn to GET
  // /control), tracer set-up (GET /control to POST /loop_start, zero when
  // the client does not send it), the span loop (to POST /result, or to
  // exit when the client sends none) and the flush (loop end to exit).
  double startup_seconds = 0;
  double startup_cpu_seconds = 0;
  double setup_seconds = 0;
  double setup_cpu_seconds = 0;
  double loop_seconds = 0;
  double loop_cpu_seconds = 0;
  double flush_seconds = 0;
  double flush_cpu_seconds = 0;
  std::string loop_end = "exit";  // "result": POST /result marked it; "exit"

  // What else the machine did during the loop (from /proc/stat) and whether
  // that made the run unusable.
  double other_cpu_cores = 0;      // mean CPU of all other processes, in cores
  double steal_share = 0;          // stolen time, share of all CPUs
  double runqueue_wait_share = 0;  // client runnable but waiting for a CPU / wall
  double load_average_start = 0;   // 1-minute load average when the run began
  bool disturbed = false;
  std::string disturbance;  // why, when disturbed

  // How the run was set up, so that result sets can be checked for like
  // with like before they are compared.
  double target_cpu = 0;  // calibration target share, 0 for uncalibrated runs
  int num_tags = 0;
  int num_logs = 0;
  bool no_flush = false;
  int client_cpu = -1;         // the core the client was pinned to, -1: none
  std::string tracer_version;  // as the client reported it in /result, if at all
  std::string spanbench_version;
  std::string git_commit;
  std::string build_type;

  std::string log_file;

  // Sampled with a profiler (which costs the client a little CPU): never
  // compared with unprofiled runs.
  bool profiled = false;
  std::optional<ProfileInfo> profile;  // set when profiled and the profile was made
};

// The settings two results must share to be compared (empty when equal):
// one "name: a vs b" line per difference.
std::vector<std::string> settings_differences(const Result& a, const Result& b);

nlohmann::json to_json(const ProfileInfo& p);
ProfileInfo profile_info_from_json(const nlohmann::json& j);
nlohmann::json to_json(const Result& r);
Result result_from_json(const nlohmann::json& j);

}  // namespace spanbench
