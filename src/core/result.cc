#include "core/result.h"

#include <nlohmann/json.hpp>

namespace spanbench {

nlohmann::json to_json(const Result& r) {
  return {
      {"client", r.client},
      {"trace", r.trace},
      {"target_spans_per_second", r.target_spans_per_second},
      {"target_runtime", r.target_runtime},
      {"spans_sent", r.spans_sent},
      {"spans_received", r.spans_received},
      {"dropped_spans", r.dropped_spans},
      {"duplicate_spans", r.duplicate_spans},
      {"program_time", r.program_time},
      {"clock_time", r.clock_time},
      {"cpu_usage", r.cpu_usage},
      {"spans_per_second", r.spans_per_second},
      {"cpu_list", r.cpu_list},
      {"memory_list", r.memory_list},
      {"max_rss_bytes", r.max_rss_bytes},
      {"client_loop_seconds", r.client_loop_seconds},
      {"client_flush_seconds", r.client_flush_seconds},
      {"satellites", r.satellites},
      {"received_tags", r.received_tags},
      {"received_logs", r.received_logs},
      {"log_file", r.log_file},
  };
}

Result result_from_json(const nlohmann::json& j) {
  Result r;
  r.client = j.value("client", "");
  r.trace = j.value("trace", false);
  r.target_spans_per_second = j.value("target_spans_per_second", 0.0);
  r.target_runtime = j.value("target_runtime", 0.0);
  r.spans_sent = j.value("spans_sent", int64_t{0});
  r.spans_received = j.value("spans_received", int64_t{0});
  r.dropped_spans = j.value("dropped_spans", int64_t{0});
  r.duplicate_spans = j.value("duplicate_spans", int64_t{0});
  r.program_time = j.value("program_time", 0.0);
  r.clock_time = j.value("clock_time", 0.0);
  r.cpu_usage = j.value("cpu_usage", 0.0);
  r.spans_per_second = j.value("spans_per_second", 0.0);
  r.cpu_list = j.value("cpu_list", std::vector<double>{});
  r.memory_list = j.value("memory_list", std::vector<int64_t>{});
  r.max_rss_bytes = j.value("max_rss_bytes", int64_t{0});
  r.client_loop_seconds = j.value("client_loop_seconds", 0.0);
  r.client_flush_seconds = j.value("client_flush_seconds", 0.0);
  r.satellites = j.value("satellites", "none");
  r.received_tags = j.value("received_tags", int64_t{0});
  r.received_logs = j.value("received_logs", int64_t{0});
  r.log_file = j.value("log_file", "");
  return r;
}

}  // namespace spanbench
