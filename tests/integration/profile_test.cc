// spanbench run --profile end to end: the real C++ (and Node.js) client,
// sampled by the real perf around its span loop, folded into stacks.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "controller/controller.h"
#include "profile/perf_capture.h"
#include "support/controller_support.h"

namespace spanbench {
namespace {

using testing::run_shell;
using testing::test_controller_options;

// Skips the test when perf cannot sample here (no perf, no permission, a
// container without perf events), saying why.
#define SKIP_WITHOUT_PERF()                                                  \
  do {                                                                       \
    if (auto why = profile::perf_unavailable_reason()) GTEST_SKIP() << *why; \
  } while (0)

// The folded file as stack -> count.
std::map<std::string, int64_t> read_folded(const std::filesystem::path& file) {
  std::map<std::string, int64_t> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    out[line.substr(0, sp)] += std::stoll(line.substr(sp + 1));
  }
  return out;
}

int64_t samples_with(const std::map<std::string, int64_t>& folded, const std::string& frame) {
  int64_t n = 0;
  for (const auto& [stack, count] : folded) {
    if (stack.find(frame) != std::string::npos) n += count;
  }
  return n;
}

int64_t total(const std::map<std::string, int64_t>& folded) { return samples_with(folded, ""); }

// Frames must be names, never bare addresses.
void expect_no_hex_frames(const std::map<std::string, int64_t>& folded) {
  const std::regex hex("^(0x)?[0-9a-f]{6,}$");
  for (const auto& [stack, count] : folded) {
    std::stringstream ss(stack);
    std::string frame;
    while (std::getline(ss, frame, ';')) {
      EXPECT_FALSE(std::regex_match(frame, hex)) << frame << " in " << stack;
    }
  }
}

// A CPU-bound traced loop of about `spans` x (work + hot) with no sleep.
ControlCommand busy_command(int64_t spans, int64_t work) {
  ControlCommand c;
  c.trace = true;
  c.repeat = spans;
  c.work = work;
  c.sleep_ns = 0;
  return c;
}

TEST(Profile, CppMockHotFunctionHasItsShareOfSamples) {
  SKIP_WITHOUT_PERF();
  Controller controller(test_controller_options(80));
  RunOptions o;
  o.client = "cpp-mock-hot";  // --hot-work-ns 20000
  o.runtime_seconds = 5;
  o.profile = true;
  o.profile_hz = 499;
  o.profile_folded = std::string(TEST_WORK_DIR) + "/profile-hot.folded";
  std::filesystem::remove(o.profile_folded);
  const int64_t spans = 40'000, hot_ns = 20'000;
  Result r = controller.run_command(o, busy_command(spans, 10'000));

  ASSERT_TRUE(r.profiled);
  ASSERT_TRUE(r.profile.has_value());
  const ProfileInfo& p = *r.profile;
  EXPECT_EQ(p.folded, o.profile_folded.string());
  EXPECT_EQ(p.frequency_hz, 499);
  EXPECT_EQ(p.unwinding, "dwarf");  // the registry entry asks for it
  EXPECT_GT(p.profiler_cpu_seconds, 0.0);
  auto folded = read_folded(o.profile_folded);
  ASSERT_FALSE(folded.empty()) << "no stacks in " << o.profile_folded;
  EXPECT_EQ(total(folded), p.samples);

  // Samples at 499 Hz of the loop's CPU (within a generous factor: a busy
  // machine delays the sampling timer).
  const double expected_samples = p.frequency_hz * r.loop_cpu_seconds;
  EXPECT_GT(double(p.samples), 0.5 * expected_samples)
      << "loop CPU " << r.loop_cpu_seconds << " s; notes: " << nlohmann::json(p.notes).dump();
  EXPECT_LT(double(p.samples), 1.3 * expected_samples);

  // The span loop is named, under the client's main thread.
  const int64_t in_loop = samples_with(folded, "run_span_loop");
  EXPECT_GT(double(in_loop), 0.8 * double(p.samples));
  EXPECT_GT(samples_with(folded, "spanbench-clien;"), 0);  // comm is cut at 15 characters

  // The hot function's share is the CPU it burnt over the loop's CPU.
  const double expected_share = double(spans * hot_ns) / 1e9 / r.loop_cpu_seconds;
  const double share = double(samples_with(folded, "spanbench_mock_hot_work")) / double(p.samples);
  EXPECT_GT(expected_share, 0.2);
  EXPECT_LT(expected_share, 0.8);
  EXPECT_NEAR(share, expected_share, 0.15) << "expected " << expected_share;
  expect_no_hex_frames(folded);
}

TEST(Profile, UnprofiledRunsAreMarkedAndNeverComparedWithProfiledOnes) {
  Controller controller(test_controller_options(81));
  RunOptions o;
  o.client = "cpp-mock";
  o.runtime_seconds = 5;
  Result plain = controller.run_command(o, busy_command(100, 1000));
  EXPECT_FALSE(plain.profiled);
  EXPECT_FALSE(plain.profile.has_value());
  Result profiled = plain;
  profiled.profiled = true;
  auto diffs = settings_differences(plain, profiled);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0], "profiled: false vs true");
}

TEST(Profile, RunRepeatWritesFoldedStacksBesideEachResult) {
  SKIP_WITHOUT_PERF();
  const std::string out = std::string(TEST_WORK_DIR) + "/profile-repeat";
  const std::string cal = std::string(TEST_WORK_DIR) + "/profile-cal.json";
  std::filesystem::remove_all(out);
  auto res = run_shell(std::string(SPANBENCH_BIN) + " --clients " + TEST_CLIENTS_TOML +
                       " --log-dir " + TEST_WORK_DIR + "/logs run --client cpp-mock --sps 500 " +
                       "--runtime 1 --repeat 1 --profile=199 --allow-noise --no-timeout --out " +
                       out + " --calibration " + cal + " --control-port " +
                       std::to_string(testing::test_port(82)));
  ASSERT_EQ(res.exit_code, 0) << res.output;
  for (const char* set : {"traced", "untraced"}) {
    const auto dir = std::filesystem::path(out) / set;
    std::ifstream in(dir / "run-001.json");
    auto doc = nlohmann::json::parse(in);
    EXPECT_EQ(doc["profiled"], true);
    ASSERT_TRUE(doc["profile"].is_object()) << doc.dump();
    EXPECT_EQ(doc["profile"]["folded"], "run-001.folded");
    EXPECT_EQ(doc["profile"]["frequency_hz"], 199);
    const int64_t samples = doc["profile"]["samples"];
    EXPECT_GT(samples, 0);
    EXPECT_EQ(total(read_folded(dir / "run-001.folded")), samples);
    EXPECT_NE(res.output.find(fmt::format("profile: {} samples at 199 Hz", samples)),
              std::string::npos)
        << res.output;
    EXPECT_NE(res.output.find((dir / "run-001.folded").string()), std::string::npos);
  }
}

TEST(Profile, UnknownFrequencyIsAUsageError) {
  auto res = run_shell(std::string(SPANBENCH_BIN) + " --clients " + TEST_CLIENTS_TOML +
                       " run --client cpp-mock --profile=0");
  EXPECT_EQ(res.exit_code, 2) << res.output;
  EXPECT_NE(res.output.find("--profile"), std::string::npos) << res.output;
}

TEST(Profile, NodeClientShowsNamedJavaScriptFrames) {
  SKIP_WITHOUT_PERF();
  const std::filesystem::path repo = TEST_SOURCE_DIR "/../..";
  if (!std::filesystem::exists(repo / "clients/node/node_modules") ||
      run_shell("node --version").exit_code != 0) {
    GTEST_SKIP() << "Node.js or clients/node/node_modules missing (scripts/install-deps.sh)";
  }
  ControllerOptions co = test_controller_options(83);
  co.clients_file = repo / "clients.toml";
  Controller controller(co);
  RunOptions o;
  o.client = "node-otel-otlp-proto";
  o.trace = false;  // the no-op tracer: no satellites needed
  o.runtime_seconds = 5;
  o.profile = true;
  o.profile_folded = std::string(TEST_WORK_DIR) + "/profile-node.folded";
  ControlCommand c = busy_command(2000, 200'000);
  c.trace = false;
  auto perf_maps = [] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/tmp")) {
      const std::string name = e.path().filename().string();
      n += name.rfind("perf-", 0) == 0 && e.path().extension() == ".map";
    }
    return n;
  };
  const int maps_before = perf_maps();
  Result r = controller.run_command(o, c);
  ASSERT_TRUE(r.profile.has_value());
  auto folded = read_folded(o.profile_folded);
  const int64_t js = samples_with(folded, ";JS:");
  EXPECT_GT(double(js), 0.5 * double(r.profile->samples))
      << "notes: " << nlohmann::json(r.profile->notes).dump();
  EXPECT_GT(samples_with(folded, "client.js"), 0);
  expect_no_hex_frames(folded);
  // The client's perf map was read, then removed.
  EXPECT_EQ(perf_maps(), maps_before);
}

}  // namespace
}  // namespace spanbench
