// The benchmark loop end to end: the controller library driving the real
// C++ client (and some deliberately broken ones) over real sockets.
#include "controller/controller.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "process/child_process.h"
#include "support/controller_support.h"

namespace spanbench {
namespace {

using testing::test_controller_options;

class ControllerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    controller_ = new Controller(test_controller_options(0));
    calibration_ = new Calibration(controller_->calibrate("cpp-noop"));
  }
  static void TearDownTestSuite() {
    delete calibration_;
    delete controller_;
  }
  static RunOptions options(double sps, double runtime, bool trace,
                            const std::string& client = "cpp-noop") {
    RunOptions o;
    o.client = client;
    o.spans_per_second = sps;
    o.runtime_seconds = runtime;
    o.trace = trace;
    return o;
  }
  static Controller* controller_;
  static Calibration* calibration_;
};
Controller* ControllerTest::controller_ = nullptr;
Calibration* ControllerTest::calibration_ = nullptr;

TEST_F(ControllerTest, CalibrationIsPlausibleAndQuick) {
  EXPECT_GT(calibration_->work_units_per_second(), 1e7);
  EXPECT_LT(calibration_->calibration_seconds, 10.0);
  EXPECT_GE(calibration_->probe_runs, 3);
}

TEST_F(ControllerTest, SpansSentEqualsRepeat) {
  ControlCommand c;
  c.trace = true;
  c.repeat = 1234;
  c.work = 1000;
  c.sleep_ns = 0;
  Result r = controller_->run_command(options(1000, 2, true, "cpp-mock"), c);
  EXPECT_EQ(r.spans_sent, 1234);
  // The client POSTed its own count and timings.
  EXPECT_GT(r.client_loop_seconds, 0);
  EXPECT_GT(r.program_time, 0);
  EXPECT_GE(r.clock_time, r.client_loop_seconds);
  // The mock tracer really recorded every span.
  std::ifstream log(r.log_file);
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("mock tracer recorded 1234 spans"), std::string::npos) << text;
}

TEST_F(ControllerTest, AchievesSpanRateAt100And1000) {
  for (double sps : {100.0, 1000.0}) {
    Result r = testing::undisturbed(
        [&] { return controller_->run(options(sps, 2, true, "cpp-mock"), *calibration_); });
    if (r.disturbed) GTEST_SKIP() << "machine too busy to judge the rate: " << r.disturbance;
    EXPECT_NEAR(r.spans_per_second, sps, 0.1 * sps) << "at " << sps;
    EXPECT_EQ(r.spans_sent, int64_t(sps * 2));
    EXPECT_GT(r.max_rss_bytes, 0);
  }
}

TEST_F(ControllerTest, CalibratedUntracedRunHoldsTargetCpu) {
  Result r =
      testing::undisturbed([&] { return controller_->run(options(500, 3, false), *calibration_); });
  if (r.disturbed) GTEST_SKIP() << "machine too busy to judge accuracy: " << r.disturbance;
  EXPECT_NEAR(r.cpu_usage, 0.7, 0.03);
  EXPECT_NEAR(r.spans_per_second, 500, 25);
  // Sampled every second: ~3 samples of CPU share and RSS.
  EXPECT_GE(r.cpu_list.size(), 2u);
  EXPECT_EQ(r.cpu_list.size(), r.memory_list.size());
  for (double s : r.cpu_list) EXPECT_NEAR(s, 0.7, 0.15);
  for (int64_t m : r.memory_list) EXPECT_GT(m, 1 << 20);
}

TEST_F(ControllerTest, HangingClientIsKilledWithItsProcessGroup) {
  std::string pidfile = std::string(TEST_WORK_DIR) + "/hang.pid";
  std::remove(pidfile.c_str());
  setenv("SPANBENCH_TEST_PIDFILE", pidfile.c_str(), 1);
  ControlCommand c;
  auto t0 = std::chrono::steady_clock::now();
  try {
    controller_->run_command(options(10, 1, false, "hang"), c);
    FAIL() << "a hanging client must fail the run";
  } catch (const RunFailed& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("did not finish within 4s"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--no-timeout"), std::string::npos) << msg;
    EXPECT_GT(e.partial().clock_time, 1.9);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
  std::ifstream in(pidfile);
  pid_t pgid = 0;
  ASSERT_TRUE(in >> pgid);
  // Neither the shell nor its background sleep is left.
  EXPECT_EQ(::kill(-pgid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ControllerTest, FailingClientShowsItsLogTail) {
  try {
    controller_->run_command(options(10, 1, false, "fail"), ControlCommand{});
    FAIL();
  } catch (const RunFailed& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("exit code 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("tracer exploded: bad config"), std::string::npos) << msg;
    EXPECT_NE(msg.find("starting"), std::string::npos) << msg;
  }
}

TEST_F(ControllerTest, CrashingClientNamesTheSignal) {
  try {
    controller_->run_command(options(10, 1, false, "crash"), ControlCommand{});
    FAIL();
  } catch (const RunFailed& e) {
    EXPECT_NE(std::string(e.what()).find("killed by SIGSEGV"), std::string::npos) << e.what();
  }
}

TEST_F(ControllerTest, ClientThatNeverAsksIsAnError) {
  try {
    controller_->run_command(options(10, 1, false, "silent"), ControlCommand{});
    FAIL();
  } catch (const RunFailed& e) {
    EXPECT_NE(std::string(e.what()).find("SPANBENCH_CONTROL_URL"), std::string::npos) << e.what();
  }
}

TEST_F(ControllerTest, MissingProgramIsAClearError) {
  try {
    controller_->run_command(options(10, 1, false, "missing"), ControlCommand{});
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("not ready"), std::string::npos) << msg;
    EXPECT_NE(msg.find("does/not/exist"), std::string::npos) << msg;
  }
}

TEST_F(ControllerTest, StopRequestEndsTheRunAndKeepsMeasurements) {
  controller_->fit_rate(*calibration_, 100, 5);  // before the stopper starts
  std::thread stopper([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    controller_->request_stop();
  });
  try {
    controller_->run(options(100, 5, false), *calibration_);
    FAIL();
  } catch (const RunFailed& e) {
    EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos);
    EXPECT_GT(e.partial().program_time, 0.5);
    EXPECT_GE(e.partial().cpu_list.size(), 1u);
    // Measured and planned, apart: the client was stopped before its /result.
    EXPECT_EQ(e.partial().spans_planned, 500);
    EXPECT_EQ(e.partial().spans_sent, 0);
  }
  stopper.join();
}

TEST(ControlServerTest, PortInUseNamesPortAndOption) {
  ControlServer first(testing::test_port(1));
  try {
    ControlServer second(testing::test_port(1));
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(std::to_string(testing::test_port(1))), std::string::npos) << msg;
    EXPECT_NE(msg.find("--control-port"), std::string::npos) << msg;
  }
}

TEST(ControlServerTest, ServesOneCommandPerRunThenExit) {
  ControlServer server(testing::test_port(2));
  ControlCommand c;
  c.repeat = 77;
  server.arm(c);
  server.attach(getpid());  // curl, started from here, is the client
  std::string base = "curl -s http://127.0.0.1:" + std::to_string(testing::test_port(2));
  auto first = testing::run_shell(base + "/control");
  auto second = testing::run_shell(base + "/control");
  EXPECT_NE(first.output.find("\"Repeat\":77"), std::string::npos) << first.output;
  EXPECT_EQ(second.output, R"({"Exit":true})");
  EXPECT_EQ(server.commands_served(), 2);
  testing::run_shell(base + "/result -d '{\"SpansSent\": 5, \"LoopSeconds\": 0.5}'");
  ASSERT_TRUE(server.client_report().has_value());
  EXPECT_EQ(server.client_report()->spans_sent, 5);
  auto bad = testing::run_shell(base + "/result -o /dev/null -w '%{http_code}' -d 'nope'");
  EXPECT_EQ(bad.output, "400");
  server.arm(c);  // a new run is served again
  server.attach(getpid());
  EXPECT_NE(testing::run_shell(base + "/control").output.find("\"Repeat\":77"), std::string::npos);
}

}  // namespace
}  // namespace spanbench
