#pragma once

// A Runner that starts no process and opens no port, so the suites' logic
// (verdicts, CSV rows, summaries, expectations) is tested in milliseconds:
// each run returns what the test's script makes of its options, and every
// run and satellite start is kept for the test to look at.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "suites/runner.h"

namespace spanbench::testing {

// Counts nothing: it only tells a run that it has satellites to report to.
class NullSink : public SpanSink {
 public:
  void reset() override {}
  SinkCounts counts() const override { return {}; }
  std::string describe() const override { return "fake satellites"; }
};

// A run that did what `o` asked, to the span: every span sent arrives, the
// loop holds the calibration's 70% of a core, RSS stays at 16 MiB.
inline Result clean_result(const RunOptions& o) {
  Result r;
  r.client = o.client;
  r.trace = o.trace;
  r.target_spans_per_second = o.spans_per_second;
  r.target_runtime = o.runtime_seconds;
  r.target_cpu = 0.7;
  r.num_tags = o.num_tags;
  r.num_logs = o.num_logs;
  r.no_flush = o.no_flush;
  r.satellites = o.sink ? o.sink_label : "none";
  r.loop_seconds = o.runtime_seconds;
  r.loop_cpu_seconds = 0.7 * o.runtime_seconds;
  r.cpu_usage = 0.7;
  r.spans_per_second = o.spans_per_second;
  r.spans_sent = int64_t(o.spans_per_second * o.runtime_seconds);
  r.spans_received = o.trace && o.sink ? r.spans_sent : 0;
  r.dropped_spans = 0;  // as the Controller: drops are only known for a traced run with satellites
  r.received_tags = r.spans_received * o.num_tags;
  r.received_logs = r.spans_received * o.num_logs;
  r.max_rss_bytes = int64_t(16) << 20;
  r.program_time = r.loop_cpu_seconds + 0.01;
  r.clock_time = o.runtime_seconds + 0.02;
  r.startup_seconds = 0.004;
  r.startup_cpu_seconds = 0.003;
  return r;
}

// A reporting client speaking `protocol`, and one that reports nowhere.
inline ClientEntry fake_client(const std::string& name, const std::string& protocol) {
  ClientEntry e;
  e.name = name;
  e.command = {"/bin/true"};
  e.protocol = parse_protocol_family(protocol).value();
  return e;
}

class FakeRunner : public Runner {
 public:
  struct SatelliteStart {
    std::string mode;
    std::string client;
    std::vector<uint16_t> ports;
    SatelliteOutage outage;
  };

  FakeRunner()
      : clients_{fake_client("fake-otlp", "otlp"), fake_client("fake-datadog", "datadog"),
                 fake_client("fake-noop", "none")} {
    calibration_.client = "fake-otlp";
  }

  // The Result of each run, from its options and its 1-based index; throw
  // RunFailed (with a partial Result) to fail it. Default: clean_result.
  std::function<Result(const RunOptions&, int run)> script;
  // What the suite asked for, in order.
  std::vector<RunOptions> runs;
  std::vector<SatelliteStart> satellite_starts;
  // Set by a script to play a user pressing Ctrl-C.
  bool stop = false;

  const ClientEntry& client(const std::string& name) const override {
    for (const auto& c : clients_) {
      if (c.name == name) return c;
    }
    throw UsageError("unknown client \"" + name + "\"");
  }
  RunSatellites start_satellites(const std::string& mode, const ClientEntry& client,
                                 const std::vector<uint16_t>& ports,
                                 const SatelliteOutage& outage) override {
    satellite_starts.push_back({mode, client.name, ports, outage});
    RunSatellites s;
    if (mode == "none" || !client.reports_over_network()) return s;
    s.sink = std::make_shared<NullSink>();
    s.label = mode;
    s.ports = ports.empty() ? std::vector<uint16_t>{8360, 8361} : ports;
    return s;
  }
  Result run(const RunOptions& options) override {
    runs.push_back(options);
    return script ? script(options, int(runs.size())) : clean_result(options);
  }
  const Calibration& calibration() const override { return calibration_; }
  bool stop_requested() const override { return stop; }

 private:
  std::vector<ClientEntry> clients_;
  Calibration calibration_;
};

// An empty folder of this test's own under the system's temporary folder.
inline std::filesystem::path fresh_dir() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() /
             ("spanbench-unit-" + std::to_string(getpid())) / test->test_suite_name() /
             test->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return nlohmann::json::parse(in);
}

// A failed run as the Controller reports it: what was measured, and why.
[[noreturn]] inline void fail_run(const RunOptions& o, const std::string& why) {
  Result partial = clean_result(o);
  partial.spans_sent /= 2;
  partial.spans_received /= 2;
  throw RunFailed(why, partial);
}

}  // namespace spanbench::testing
