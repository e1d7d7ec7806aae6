// The spanbench binary run as a user runs it: flags, output, exit codes.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "controller/calibration.h"
#include "controller/control_server.h"
#include "test_support.h"

namespace spanbench {
namespace {

using testing::run_shell;

std::string spanbench(const std::string& args, int port_offset) {
  return std::string(SPANBENCH_BIN) + " --clients " + TEST_CLIENTS_TOML + " --log-dir " +
         TEST_WORK_DIR + "/logs " + args + " --control-port " +
         std::to_string(testing::test_port(port_offset));
}

TEST(Cli, HelpOnEveryCommand) {
  for (std::string cmd : {"", "run", "calibrate", "clients", "satellite"}) {
    auto out = run_shell(std::string(SPANBENCH_BIN) + " " + cmd + " --help");
    EXPECT_EQ(out.exit_code, 0) << cmd;
    EXPECT_NE(out.output.find("Usage"), std::string::npos) << cmd << out.output;
  }
}

TEST(Cli, ClientsListsReadiness) {
  auto out = run_shell(std::string(SPANBENCH_BIN) + " --clients " + TEST_CLIENTS_TOML + " clients");
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_NE(out.output.find("cpp-noop"), std::string::npos);
  EXPECT_NE(out.output.find("./does/not/exist missing"), std::string::npos) << out.output;
}

TEST(Cli, UsageErrorsExitTwoWithOneLine) {
  auto unknown = run_shell(spanbench("run --client nosuch --runtime 1", 10));
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown client \"nosuch\"; known clients:"), std::string::npos)
      << unknown.output;
  EXPECT_NE(unknown.output.find("cpp-noop"), std::string::npos);

  auto bad_flag = run_shell(std::string(SPANBENCH_BIN) + " run --client cpp-noop --bogus");
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_NE(bad_flag.output.find("--bogus"), std::string::npos) << bad_flag.output;

  auto bad_value = run_shell(std::string(SPANBENCH_BIN) + " run --client cpp-noop --sps -3");
  EXPECT_EQ(bad_value.exit_code, 2) << bad_value.output;

  auto no_registry = run_shell(std::string(SPANBENCH_BIN) + " --clients /nonexistent.toml clients");
  EXPECT_EQ(no_registry.exit_code, 2);
  EXPECT_NE(no_registry.output.find("--clients"), std::string::npos) << no_registry.output;
}

TEST(Cli, PortInUseIsAClearError) {
  ControlServer squatter(testing::test_port(11));
  auto out = run_shell(spanbench("run --client cpp-noop --runtime 1", 11));
  EXPECT_EQ(out.exit_code, 1) << out.output;
  EXPECT_NE(out.output.find(std::to_string(testing::test_port(11))), std::string::npos)
      << out.output;
  EXPECT_NE(out.output.find("--control-port"), std::string::npos) << out.output;
}

TEST(Cli, RunPrintsSeedShapeAndWritesJson) {
  std::string json = std::string(TEST_WORK_DIR) + "/cli-run.json";
  std::string cal = std::string(TEST_WORK_DIR) + "/cli-cal.json";
  std::remove(json.c_str());
  std::remove(cal.c_str());
  auto out = run_shell(spanbench(
      "run --client cpp-mock --sps 200 --runtime 2 --json " + json + " --calibration " + cal, 12));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("spans / sec"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("% CPU usage"), std::string::npos);
  EXPECT_NE(out.output.find("spans dropped (out of 400 sent)"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("calibration of cpp-mock"), std::string::npos);
  std::ifstream in(json);
  auto doc = nlohmann::json::parse(in);
  for (const char* field :
       {"client", "trace", "target_spans_per_second", "target_runtime", "spans_sent",
        "spans_received", "dropped_spans", "duplicate_spans", "program_time", "clock_time",
        "cpu_usage", "spans_per_second", "cpu_list", "memory_list"}) {
    EXPECT_TRUE(doc.contains(field)) << field;
  }
  EXPECT_EQ(doc["spans_sent"], 400);
  EXPECT_EQ(doc["trace"], true);
  EXPECT_GT(doc["program_time"].get<double>(), 0.1);
  EXPECT_TRUE(doc.contains("calibration"));
  EXPECT_EQ(doc["context"]["schema_version"], 1);

  // The loop is measured apart from start-up and flush.
  EXPECT_EQ(doc["loop_end"], "result");
  EXPECT_GT(doc["loop_seconds"].get<double>(), 1.5);
  EXPECT_LT(doc["loop_seconds"].get<double>(), doc["clock_time"].get<double>());
  EXPECT_GT(doc["startup_seconds"].get<double>(), 0.0);
  EXPECT_NEAR(doc["cpu_usage"].get<double>(),
              doc["loop_cpu_seconds"].get<double>() / doc["loop_seconds"].get<double>(), 1e-9);
  for (const char* field : {"num_tags", "num_logs", "no_flush", "target_cpu", "spanbench_version",
                            "git_commit", "build_type", "tracer_version", "disturbed"}) {
    EXPECT_TRUE(doc.contains(field)) << field;
  }
  EXPECT_NE(doc["tracer_version"].get<std::string>().find("opentracing-cpp"), std::string::npos);

  // The saved calibration is reused, and so is its fit for 200 spans/s.
  auto reused = run_shell(
      spanbench("run --client cpp-mock --no-trace --sps 200 --runtime 1 --calibration " + cal, 12));
  EXPECT_EQ(reused.exit_code, 0) << reused.output;
  EXPECT_NE(reused.output.find("reusing the calibration of cpp-mock"), std::string::npos)
      << reused.output;
  EXPECT_NE(reused.output.find("200 spans/s: reused from"), std::string::npos) << reused.output;
  EXPECT_NE(reused.output.find("out of 200 sent"), std::string::npos) << reused.output;

  // Another rate gets its own fit, made now and added to the file.
  auto other = run_shell(
      spanbench("run --client cpp-mock --no-trace --sps 300 --runtime 1 --calibration " + cal, 12));
  EXPECT_EQ(other.exit_code, 0) << other.output;
  // (converged, or not when a busy machine spoilt the verification runs)
  EXPECT_NE(other.output.find("300 spans/s: "), std::string::npos) << other.output;
  EXPECT_NE(other.output.find("verification run"), std::string::npos) << other.output;
  auto saved = load_calibrations(cal);
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_NE(saved[0].fit_for(200), nullptr);
  EXPECT_NE(saved[0].fit_for(300), nullptr);
}

TEST(Cli, FailedRunExitsOneAndKeepsPartialResult) {
  std::string json = std::string(TEST_WORK_DIR) + "/cli-fail.json";
  std::string cal = std::string(TEST_WORK_DIR) + "/cli-cal-fail.json";
  // A calibration file for the failing client lets the run reach the client.
  std::ofstream(cal)
      << R"({"client":"fail","target_cpu":0.7,"work_ns_per_unit":1,"span_overhead_ns":0,
    "startup_cpu_seconds":0,"startup_wall_seconds":0,
    "rates":[{"spans_per_second":100,"cpu_scale":1,"sleep_overshoot_ns":0}]})";
  auto out = run_shell(
      spanbench("run --client fail --runtime 1 --json " + json + " --calibration " + cal, 13));
  EXPECT_EQ(out.exit_code, 1) << out.output;
  EXPECT_NE(out.output.find("tracer exploded"), std::string::npos) << out.output;
  std::ifstream in(json);
  auto doc = nlohmann::json::parse(in);
  EXPECT_NE(doc["error"].get<std::string>().find("exit code 1"), std::string::npos);
}

TEST(Examples, HelloWorldCalibratesAndRuns) {
  auto out = run_shell(std::string(HELLO_WORLD_BIN) + " cpp-mock 2 " +
                       std::to_string(testing::test_port(14)));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("calibration of cpp-mock at 70% CPU"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("out of 200 sent"), std::string::npos) << out.output;
}

}  // namespace
}  // namespace spanbench

namespace spanbench {
namespace {

TEST(Cli, ClientCpuPinsTheClientAndIsRecorded) {
  std::string json = std::string(TEST_WORK_DIR) + "/cli-pinned.json";
  std::string cal = std::string(TEST_WORK_DIR) + "/cli-cal-pinned.json";
  std::remove(json.c_str());
  // The client records the cores it may run on; pinned, that is core 0 only.
  auto out =
      run_shell(spanbench("run --client affinity --no-trace --sps 50 --runtime 0.5 "
                          "--satellites none --client-cpu 0 --json " +
                              json + " --calibration " + cal,
                          26));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  std::ifstream in(json);
  auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["client_cpu"], 0);
  std::ifstream log(doc["log_file"].get<std::string>());
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("Cpus_allowed_list:\t0\n"), std::string::npos) << text;

  auto bad = run_shell(spanbench("run --client cpp-noop --client-cpu 4096 --runtime 1", 26));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--client-cpu 4096"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace spanbench
