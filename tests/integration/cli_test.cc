// The spanbench binary run as a user runs it: flags, output, exit codes.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <vector>

#include "controller/calibration.h"
#include "controller/control_server.h"
#include "support/controller_support.h"

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

TEST(Cli, RunPrintsFiguresAndWritesJson) {
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
  // Without --profile the output is as it always was: no profile line.
  EXPECT_EQ(out.output.find("profile:"), std::string::npos) << out.output;
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
  EXPECT_EQ(doc["profiled"], false);
  EXPECT_TRUE(doc["profile"].is_null());

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

  // A fit that a busy machine kept from converging is not reused but made
  // again (calibrate_or_reuse); only a usable one can be checked for reuse.
  const bool busy_fit = out.output.find("200 spans/s: NOT converged") != std::string::npos &&
                        out.output.find("the machine was busy") != std::string::npos;

  // The saved calibration is reused, and so is its fit for 200 spans/s.
  auto reused = run_shell(
      spanbench("run --client cpp-mock --no-trace --sps 200 --runtime 1 --calibration " + cal, 12));
  EXPECT_EQ(reused.exit_code, 0) << reused.output;
  EXPECT_NE(reused.output.find("reusing the calibration of cpp-mock"), std::string::npos)
      << reused.output;
  if (!busy_fit) {
    EXPECT_NE(reused.output.find("200 spans/s: reused from"), std::string::npos) << reused.output;
  } else {
    EXPECT_EQ(reused.output.find("200 spans/s: reused from"), std::string::npos) << reused.output;
  }
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
  EXPECT_NE(saved[0].fit_for(300), nullptr);
  if (busy_fit)
    GTEST_SKIP() << "machine busy: the 200 spans/s fit did not converge, so its reuse "
                    "was not checked (rerun on a quieter machine)";
  EXPECT_NE(saved[0].fit_for(200), nullptr);
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

// CLI conventions (README.md, "Exit codes"): each case below as a user
// would type it, with the one line and the exit code it must give.
struct Timed {
  testing::CommandOutput out;
  double seconds = 0;
};

Timed timed(const std::string& cmd) {
  const auto start = std::chrono::steady_clock::now();
  Timed t;
  t.out = run_shell(cmd);
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

std::string bin() { return SPANBENCH_BIN; }
std::string registry() { return TEST_CLIENTS_TOML; }

TEST(CliConventions, GlobalOptionsGoBeforeOrAfterTheCommand) {
  auto after = run_shell(bin() + " clients --clients " + registry());
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_NE(after.output.find("cpp-noop"), std::string::npos) << after.output;

  // The registry named after `run` is the one read: its unknown-client
  // error lists its clients.
  auto run = run_shell(bin() + " run --client nosuch --clients " + registry() + " --log-dir " +
                       TEST_WORK_DIR + "/logs");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("unknown client \"nosuch\""), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("slow-start"), std::string::npos) << run.output;

  auto missing = run_shell(bin() + " clients --clients /nonexistent/clients.toml");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("/nonexistent/clients.toml"), std::string::npos) << missing.output;

  auto help = run_shell(bin() + " run --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--clients"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("--log-dir"), std::string::npos) << help.output;
}

TEST(CliConventions, MistypedOptionGetsASuggestion) {
  auto t =
      timed(bin() + " --clients " + registry() + " run --client cpp-noop --sp 1000 --runtime 5");
  EXPECT_EQ(t.out.exit_code, 2) << t.out.output;
  EXPECT_NE(t.out.output.find("spanbench: unknown option --sp for run; did you mean --sps?"),
            std::string::npos)
      << t.out.output;
  EXPECT_EQ(t.out.output.find("calibration"), std::string::npos) << t.out.output;

  auto eq = run_shell(bin() + " satellite --prots=9000");
  EXPECT_EQ(eq.exit_code, 2) << eq.output;
  EXPECT_NE(eq.output.find("unknown option --prots for satellite; did you mean --ports?"),
            std::string::npos)
      << eq.output;

  // Nothing close: named, without a guess.
  auto far = run_shell(bin() + " run --client cpp-noop --zzzzzz");
  EXPECT_EQ(far.exit_code, 2) << far.output;
  EXPECT_NE(far.output.find("unknown option --zzzzzz for run (see spanbench run --help)"),
            std::string::npos)
      << far.output;
}

TEST(CliConventions, MistypedCommandGetsASuggestion) {
  auto rnu = run_shell(bin() + " rnu --client cpp-noop");
  EXPECT_EQ(rnu.exit_code, 2) << rnu.output;
  EXPECT_NE(rnu.output.find("spanbench: unknown command rnu; did you mean run?"), std::string::npos)
      << rnu.output;

  auto sat = run_shell(bin() + " --clients " + registry() + " satelite");
  EXPECT_EQ(sat.exit_code, 2) << sat.output;
  EXPECT_NE(sat.output.find("unknown command satelite; did you mean satellite?"), std::string::npos)
      << sat.output;

  auto none = run_shell(bin());
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_NE(none.output.find("give a command: clients, calibrate, run"), std::string::npos)
      << none.output;
}

TEST(CliConventions, MistypedClientGetsASuggestion) {
  auto t = timed(bin() + " --clients " + registry() + " run --client cpp-nop --runtime 5");
  EXPECT_EQ(t.out.exit_code, 2) << t.out.output;
  EXPECT_NE(t.out.output.find("unknown client \"cpp-nop\"; did you mean cpp-noop?"),
            std::string::npos)
      << t.out.output;
  EXPECT_EQ(t.out.output.find("calibration"), std::string::npos) << t.out.output;
}

TEST(CliConventions, RangeErrorsAreReadable) {
  const std::regex long_number("[0-9]{20,}");
  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {"run --client cpp-noop --runtime 0", "--runtime must be > 0 seconds (got 0)"},
           {"run --client cpp-noop --sps -5", "--sps must be > 0 spans per second (got -5)"},
           {"run --client cpp-noop --sps abc",
            "--sps must be a number > 0 spans per second (got abc)"},
           {"run --client cpp-noop --repeat 0", "--repeat must be > 0 runs (got 0)"},
           {"run --client cpp-noop --num-tags -1", "--num-tags must be >= 0 (got -1)"},
           {"run --client cpp-noop --target-cpu 1.5",
            "--target-cpu must be between 0.01 and 0.99 (got 1.5)"},
           {"run --client cpp-noop --control-port 70000",
            "--control-port must be a port number 1-65535 (got 70000)"},
           {"run --client cpp-noop --client-cpu 4096",
            "--client-cpu must be a core of this machine"},
           {"graph cpu --client cpp-noop --trials 0", "--trials must be > 0 (got 0)"},
           {"run --client cpp-noop --sps", "--sps needs a value"},
           {"run --client cpp-noop --json /etc/passwd/result.json",
            "--json cannot be written: /etc/passwd is a file, not a folder (got "
            "/etc/passwd/result.json)"},
           {"run --client cpp-noop --repeat 2 --out /etc/passwd",
            "--out must name a folder, and /etc/passwd is a file"},
           {"clients --log-dir /etc/passwd",
            "--log-dir must name a folder, and /etc/passwd is a file"},
           {"regress --client cpp-noop --junit /etc/passwd/x/junit.xml",
            "--junit cannot be written: /etc/passwd is a file, not a folder"},
           {"run --client cpp-noop --num-tags 99999999999",
            "--num-tags cannot take 99999999999 (wrong type or out of range"},
           {"graph cpuu --client cpp-noop",
            "graph must be cpu, memory, dropped or disconnect "
            "(got cpuu); did you mean cpu?"},
           {"run --client cpp-noop --satellites nonee",
            "--satellites must be typical, slow_succeed, slow_fail or none (got nonee); did you "
            "mean none?"},
           {"satellite --error-rate 2", "--error-rate must be between 0 and 1 (got 2)"},
           {"satellite --admin-port -1",
            "--admin-port must be a port number 1-65535, or 0 for no admin port (got -1)"},
       }) {
    auto t = timed(bin() + " --clients " + registry() + " " + c.args);
    EXPECT_EQ(t.out.exit_code, 2) << c.args << ": " << t.out.output;
    EXPECT_NE(t.out.output.find("spanbench: " + c.message), std::string::npos)
        << c.args << ": " << t.out.output;
    EXPECT_FALSE(std::regex_search(t.out.output, long_number)) << c.args << ": " << t.out.output;
    EXPECT_EQ(t.out.output.find("calibration"), std::string::npos) << c.args;
    EXPECT_LT(t.seconds, 1.0) << c.args;
  }
}

// Every value is checked while the command line is read: a bad one fails
// at once, naming the option as typed, before a calibration (2 s or more)
// or satellites start.
TEST(CliConventions, BadValuesFailBeforeAnythingRuns) {
  for (const std::string cmd : {"run", "check", "regress"}) {
    auto t = timed(bin() + " --clients " + registry() + " " + cmd +
                   " --client cpp-noop --satellite-ports 18367-18360" +
                   (cmd == "run" ? " --sps 1000 --runtime 5" : ""));
    EXPECT_EQ(t.out.exit_code, 2) << cmd << ": " << t.out.output;
    EXPECT_NE(t.out.output.find("--satellite-ports: range '18367-18360' runs backwards"),
              std::string::npos)
        << cmd << ": " << t.out.output;
    EXPECT_EQ(t.out.output.find("--ports"), std::string::npos) << cmd << ": " << t.out.output;
    EXPECT_EQ(t.out.output.find("calibration"), std::string::npos) << cmd << ": " << t.out.output;
    EXPECT_LT(t.seconds, 1.0) << cmd;
  }
  auto bogus = timed(bin() + " --clients " + registry() +
                     " run --client cpp-noop --sps 1000 --runtime 5 --bogus");
  EXPECT_EQ(bogus.out.exit_code, 2) << bogus.out.output;
  EXPECT_EQ(bogus.out.output.find("calibration"), std::string::npos) << bogus.out.output;
  EXPECT_LT(bogus.seconds, 1.0);

  // Checks that need the registry or several options together, made before
  // the calibration too.
  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {"check --client cpp-noop", "client cpp-noop reports nowhere"},
           {"regress --client cpp-noop --profile quick --suite " + std::string(TEST_SOURCE_DIR) +
                "/../../suites/regress.toml",
            "client cpp-noop reports nowhere"},
           {"graph disconnect --client reporter --down-at 50 --up-at 40",
            "--down-at (50 s) must come before --up-at (40 s)"},
           {"graph disconnect --client reporter --runtime 10",
            "--up-at (120 s) must come before the end of the 10 s run"},
       }) {
    auto t = timed(spanbench(c.args, 62));
    EXPECT_EQ(t.out.exit_code, 2) << c.args << ": " << t.out.output;
    EXPECT_NE(t.out.output.find("spanbench: " + c.message), std::string::npos)
        << c.args << ": " << t.out.output;
    EXPECT_EQ(t.out.output.find("calibration"), std::string::npos) << c.args << t.out.output;
    EXPECT_LT(t.seconds, 1.0) << c.args;
  }

  auto sat = timed(bin() + " satellite --ports 9000,9000");
  EXPECT_EQ(sat.out.exit_code, 2) << sat.out.output;
  EXPECT_NE(sat.out.output.find("--ports: port 9000 is listed twice"), std::string::npos)
      << sat.out.output;
}

// A port in use is exit 1 in every command: the command line was right, the
// machine was not ready for it.
TEST(CliConventions, PortInUseIsExitOneEverywhere) {
  const uint16_t port = testing::test_port(60);
  ControlServer squatter(port);

  auto sat = run_shell(bin() + " satellite --ports " + std::to_string(port) + " --admin-port 0");
  EXPECT_EQ(sat.exit_code, 1) << sat.output;
  EXPECT_NE(sat.output.find(std::to_string(port)), std::string::npos) << sat.output;
  EXPECT_NE(sat.output.find("--ports"), std::string::npos) << sat.output;

  auto admin = run_shell(bin() + " satellite --ports " + std::to_string(port + 1) +
                         " --admin-port " + std::to_string(port));
  EXPECT_EQ(admin.exit_code, 1) << admin.output;
  EXPECT_NE(admin.output.find("--admin-port"), std::string::npos) << admin.output;

  auto control = run_shell(spanbench("run --client cpp-noop --runtime 1", 60));
  EXPECT_EQ(control.exit_code, 1) << control.output;
  EXPECT_NE(control.output.find("--control-port"), std::string::npos) << control.output;

  // The satellites of a run of a client that reports over the network,
  // reached without calibrating, from a saved calibration.
  std::string cal = std::string(TEST_WORK_DIR) + "/cli-cal-port.json";
  std::ofstream(cal)
      << R"({"client":"reporter","target_cpu":0.7,"work_ns_per_unit":1,"span_overhead_ns":0,
    "startup_cpu_seconds":0,"startup_wall_seconds":0,
    "rates":[{"spans_per_second":100,"cpu_scale":1,"sleep_overshoot_ns":0}]})";
  auto run = run_shell(spanbench("run --client reporter --runtime 1 --calibration " + cal +
                                     " --satellite-ports " + std::to_string(port),
                                 61));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("satellite port " + std::to_string(port) + " is in use"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("--satellite-ports"), std::string::npos) << run.output;
}

TEST(CliConventions, HelpDocumentsTheExitCodes) {
  for (std::string cmd : {"", "run", "satellite", "compare"}) {
    auto out = run_shell(bin() + " " + cmd + " --help");
    EXPECT_EQ(out.exit_code, 0) << cmd;
    for (const char* code : {"Exit codes", "2 usage error", "3 noisy", "130 interrupted"}) {
      EXPECT_NE(out.output.find(code), std::string::npos) << cmd << ": " << code << out.output;
    }
  }
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
  EXPECT_NE(bad.output.find("--client-cpu must be a core of this machine"), std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find("(got 4096)"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace spanbench
