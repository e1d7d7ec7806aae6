#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace spanbench {

// One run's measurements (docs/protocol.md). Field names in JSON are fixed there.
struct Result {
  // What was asked.
  std::string client;
  bool trace = false;
  double target_spans_per_second = 0;
  double target_runtime = 0;
  // What the client and satellites did.
  int64_t spans_sent = 0;
  int64_t spans_received = 0;
  int64_t dropped_spans = 0;
  int64_t duplicate_spans = 0;
  // Measured from outside the client.
  double program_time = 0;  // CPU seconds, user + system, all threads
  double clock_time = 0;    // wall seconds from spawn to exit
  double cpu_usage = 0;     // program_time / clock_time
  double spans_per_second = 0;
  std::vector<double> cpu_list;      // CPU share each second, 0..1
  std::vector<int64_t> memory_list;  // RSS bytes each second
  // Extras (not in the seed): peak RSS, the client's own timings if it
  // POSTed /result, where its log is, which satellites it reported to.
  int64_t max_rss_bytes = 0;
  double client_loop_seconds = 0;
  double client_flush_seconds = 0;
  std::string satellites = "none";
  int64_t received_tags = 0;  // span tags/logs the satellites decoded, for
  int64_t received_logs = 0;  // checking that the span shape arrived

  std::string log_file;
};

nlohmann::json to_json(const Result& r);
Result result_from_json(const nlohmann::json& j);

}  // namespace spanbench
