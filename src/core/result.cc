#include "core/result.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace spanbench {
namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// Absent, null or not a number (older result files): not measured.
std::optional<double> optional_number(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

nlohmann::json to_json(const ProfileInfo& p) {
  return {
      {"folded", p.folded},       {"frequency_hz", p.frequency_hz},
      {"samples", p.samples},     {"lost_samples", p.lost_samples},
      {"unwinding", p.unwinding}, {"profiler_cpu_seconds", p.profiler_cpu_seconds},
      {"notes", p.notes},
  };
}

ProfileInfo profile_info_from_json(const nlohmann::json& j) {
  ProfileInfo p;
  p.folded = j.value("folded", "");
  p.frequency_hz = j.value("frequency_hz", 0.0);
  p.samples = j.value("samples", int64_t{0});
  p.lost_samples = j.value("lost_samples", int64_t{0});
  p.unwinding = j.value("unwinding", "");
  p.profiler_cpu_seconds = j.value("profiler_cpu_seconds", 0.0);
  p.notes = j.value("notes", std::vector<std::string>{});
  return p;
}

nlohmann::json to_json(const Result& r) {
  nlohmann::json j = {
      {"client", r.client},
      {"trace", r.trace},
      {"target_spans_per_second", r.target_spans_per_second},
      {"target_runtime", r.target_runtime},
      {"spans_sent", r.spans_sent},
      {"spans_planned", r.spans_planned},
      {"spans_received", r.spans_received},
      {"dropped_spans", r.dropped_spans},
      {"duplicate_spans", r.duplicate_spans},
      {"program_time", r.program_time},
      {"clock_time", r.clock_time},
      {"cpu_usage", r.cpu_usage},
      {"process_cpu_usage", r.process_cpu_usage},
      {"spans_per_second", r.spans_per_second},
      {"cpu_list", r.cpu_list},
      {"memory_list", r.memory_list},
      {"max_rss_bytes", r.max_rss_bytes},
      {"client_loop_seconds", r.client_loop_seconds},
      {"client_flush_seconds", r.client_flush_seconds},
      {"satellites", r.satellites},
      {"received_tags", r.received_tags},
      {"received_logs", r.received_logs},
      {"export_latency_p50_seconds", optional_number(r.export_latency_p50_seconds)},
      {"export_latency_p99_seconds", optional_number(r.export_latency_p99_seconds)},
      {"export_latency_spans", r.export_latency_spans},
      {"startup_seconds", r.startup_seconds},
      {"startup_cpu_seconds", r.startup_cpu_seconds},
      {"setup_seconds", r.setup_seconds},
      {"setup_cpu_seconds", r.setup_cpu_seconds},
      {"loop_seconds", r.loop_seconds},
      {"loop_cpu_seconds", r.loop_cpu_seconds},
      {"flush_seconds", r.flush_seconds},
      {"flush_cpu_seconds", r.flush_cpu_seconds},
      {"loop_end", r.loop_end},
      {"other_cpu_cores", r.other_cpu_cores},
      {"steal_share", r.steal_share},
      {"runqueue_wait_share", r.runqueue_wait_share},
      {"load_average_start", r.load_average_start},
      {"disturbed", r.disturbed},
      {"disturbance", r.disturbance},
      {"target_cpu", r.target_cpu},
      {"num_tags", r.num_tags},
      {"num_logs", r.num_logs},
      {"no_flush", r.no_flush},
      {"client_cpu", r.client_cpu},
      {"tracer_version", r.tracer_version},
      {"spanbench_version", r.spanbench_version},
      {"git_commit", r.git_commit},
      {"build_type", r.build_type},
      {"log_file", r.log_file},
      {"profiled", r.profiled},
  };
  j["profile"] = r.profile ? to_json(*r.profile) : nlohmann::json(nullptr);
  return j;
}

Result result_from_json(const nlohmann::json& j) {
  Result r;
  r.client = j.value("client", "");
  r.trace = j.value("trace", false);
  r.target_spans_per_second = j.value("target_spans_per_second", 0.0);
  r.target_runtime = j.value("target_runtime", 0.0);
  r.spans_sent = j.value("spans_sent", int64_t{0});
  r.spans_planned = j.value("spans_planned", r.spans_sent);
  r.spans_received = j.value("spans_received", int64_t{0});
  r.dropped_spans = j.value("dropped_spans", int64_t{0});
  r.duplicate_spans = j.value("duplicate_spans", int64_t{0});
  r.program_time = j.value("program_time", 0.0);
  r.clock_time = j.value("clock_time", 0.0);
  r.cpu_usage = j.value("cpu_usage", 0.0);
  r.process_cpu_usage = j.value("process_cpu_usage", r.cpu_usage);
  r.spans_per_second = j.value("spans_per_second", 0.0);
  r.cpu_list = j.value("cpu_list", std::vector<double>{});
  r.memory_list = j.value("memory_list", std::vector<int64_t>{});
  r.max_rss_bytes = j.value("max_rss_bytes", int64_t{0});
  r.client_loop_seconds = j.value("client_loop_seconds", 0.0);
  r.client_flush_seconds = j.value("client_flush_seconds", 0.0);
  r.satellites = j.value("satellites", "none");
  r.received_tags = j.value("received_tags", int64_t{0});
  r.received_logs = j.value("received_logs", int64_t{0});
  r.export_latency_p50_seconds = optional_number(j, "export_latency_p50_seconds");
  r.export_latency_p99_seconds = optional_number(j, "export_latency_p99_seconds");
  r.export_latency_spans = j.value("export_latency_spans", int64_t{0});
  r.startup_seconds = j.value("startup_seconds", 0.0);
  r.startup_cpu_seconds = j.value("startup_cpu_seconds", 0.0);
  r.setup_seconds = j.value("setup_seconds", 0.0);
  r.setup_cpu_seconds = j.value("setup_cpu_seconds", 0.0);
  r.loop_seconds = j.value("loop_seconds", 0.0);
  r.loop_cpu_seconds = j.value("loop_cpu_seconds", 0.0);
  r.flush_seconds = j.value("flush_seconds", 0.0);
  r.flush_cpu_seconds = j.value("flush_cpu_seconds", 0.0);
  r.loop_end = j.value("loop_end", "exit");
  r.other_cpu_cores = j.value("other_cpu_cores", 0.0);
  r.steal_share = j.value("steal_share", 0.0);
  r.runqueue_wait_share = j.value("runqueue_wait_share", 0.0);
  r.load_average_start = j.value("load_average_start", 0.0);
  r.disturbed = j.value("disturbed", false);
  r.disturbance = j.value("disturbance", "");
  r.target_cpu = j.value("target_cpu", 0.0);
  r.num_tags = j.value("num_tags", 0);
  r.num_logs = j.value("num_logs", 0);
  r.no_flush = j.value("no_flush", false);
  r.client_cpu = j.value("client_cpu", -1);
  r.tracer_version = j.value("tracer_version", "");
  r.spanbench_version = j.value("spanbench_version", "");
  r.git_commit = j.value("git_commit", "");
  r.build_type = j.value("build_type", "");
  r.log_file = j.value("log_file", "");
  r.profiled = j.value("profiled", false);
  if (auto it = j.find("profile"); it != j.end() && it->is_object()) {
    r.profile = profile_info_from_json(*it);
  }
  return r;
}

std::vector<std::string> settings_differences(const Result& a, const Result& b) {
  std::vector<std::string> out;
  auto differ = [&](const char* name, const auto& x, const auto& y) {
    if (x != y) out.push_back(fmt::format("{}: {} vs {}", name, x, y));
  };
  differ("spans/s", a.target_spans_per_second, b.target_spans_per_second);
  differ("runtime", a.target_runtime, b.target_runtime);
  differ("target CPU", a.target_cpu, b.target_cpu);
  differ("NumTags", a.num_tags, b.num_tags);
  differ("NumLogs", a.num_logs, b.num_logs);
  differ("NoFlush", a.no_flush, b.no_flush);
  differ("satellites", a.satellites, b.satellites);
  differ("client CPU", a.client_cpu, b.client_cpu);
  differ("spanbench version", a.spanbench_version, b.spanbench_version);
  differ("build type", a.build_type, b.build_type);
  differ("profiled", a.profiled, b.profiled);
  return out;
}

}  // namespace spanbench
