// spanbench sweep and merge end to end: the real binary, the real clients
// cpp-datadog (real satellites) and cpp-mock, runs of half a second. A
// sweep run whole and the same sweep run as 3 shards (separate processes)
// then merged give the same groups, run counts and leaderboard rows; a
// sweep stopped part way and resumed redoes nothing that had finished.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/controller_support.h"

namespace spanbench::testing {
namespace {
namespace fs = std::filesystem;

class SweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client =
        fs::path(REPO_CLIENTS_TOML).parent_path() / "build/clients/cpp/spanbench-client-cpp";
    if (!fs::exists(client)) GTEST_SKIP() << "client not built at " << client;
    dir_ =
        fs::path(TEST_WORK_DIR) / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  // spanbench in this test's folder, on this test's ports (control port
  // test_port(offset), satellites 19100 + 2 * offset and the next).
  std::string command(const std::string& args, int offset) const {
    return fmt::format("cd {} && exec {}", dir_.string(), invocation(args, offset));
  }
  std::string invocation(const std::string& args, int offset) const {
    return fmt::format(
        "{} --clients {} --log-dir {}/logs {} --control-port {} --satellite-ports {}-{}",
        SPANBENCH_BIN, REPO_CLIENTS_TOML, TEST_WORK_DIR, args, test_port(offset),
        19100 + 2 * offset, 19101 + 2 * offset);
  }
  CommandOutput merge(const std::string& args) const {
    return run_shell(fmt::format("cd {} && {} --clients {} merge {}", dir_.string(), SPANBENCH_BIN,
                                 REPO_CLIENTS_TOML, args));
  }
  nlohmann::json json(const fs::path& file) const {
    return nlohmann::json::parse(slurp(dir_ / file));
  }

  // Run files under `sweep`/runs by group and kind: "cpp-mock@200 typical" -> 2.
  std::map<std::string, int> run_counts(const fs::path& sweep) const {
    std::map<std::string, int> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / sweep / "runs")) {
      const auto& p = e.path();
      if (p.extension() != ".json" || p.filename() == "calibration.json") continue;
      auto mode = p.parent_path();
      auto rate = mode.parent_path();
      auto client = rate.parent_path();
      out[client.filename().string() + "@" + rate.filename().string() + " " +
          mode.filename().string()]++;
    }
    return out;
  }

  // The leaderboard's rows: "rate client" -> runs by mode.
  std::map<std::string, nlohmann::json> leaderboard_rows(const fs::path& sweep) const {
    std::map<std::string, nlohmann::json> out;
    const nlohmann::json board = json(sweep / "leaderboard.json");
    for (const auto& t : board["tables"]) {
      for (const auto& r : t["rows"]) {
        out[fmt::format("{:g} {}", t["rate"].get<double>(), r["client"].get<std::string>())] =
            r["runs"];
      }
    }
    return out;
  }

  fs::path dir_;
};

constexpr const char* kSweep =
    "sweep --client cpp-datadog,cpp-mock --rates 200,1000 --repetitions 1 --runtime 0.5 "
    "--calibration cal.json";

TEST_F(SweepTest, ThreeShardsMergedMatchTheWholeSweep) {
  auto whole = run_shell(command(fmt::format("{} --out whole", kSweep), 60));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_NE(whole.output.find("8 runs planned, 8 measured"), std::string::npos) << whole.output;
  EXPECT_NE(whole.output.find("leaderboard written to whole/leaderboard.md"), std::string::npos)
      << whole.output;
  for (int i = 1; i <= 3; ++i) {
    auto shard =
        run_shell(command(fmt::format("{} --shard {}/3 --out shard-{}", kSweep, i, i), 60));
    ASSERT_EQ(shard.exit_code, 0) << shard.output;
    EXPECT_EQ(json(fmt::format("shard-{}/plan.json", i))["shard"]["index"], i);
  }
  // Every group on exactly one shard, 2 + 1 + 1 of the 4.
  EXPECT_EQ(json("shard-1/plan.json")["groups"].size(), 2u);
  EXPECT_EQ(json("shard-2/plan.json")["groups"].size(), 1u);
  EXPECT_EQ(json("shard-3/plan.json")["groups"].size(), 1u);

  auto merged = merge("shard-1 shard-3 shard-2 -o merged");
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  EXPECT_NE(merged.output.find("merged 3 of 3 shards"), std::string::npos) << merged.output;

  auto plan = json("merged/plan.json");
  auto whole_plan = json("whole/plan.json");
  EXPECT_EQ(plan["merged"], true);
  EXPECT_EQ(plan["plan_id"], whole_plan["plan_id"]);
  EXPECT_EQ(plan["groups"], whole_plan["groups"]);
  EXPECT_EQ(plan["shards"].size(), 3u);
  EXPECT_TRUE(plan["shards"][1]["machine"].contains("host"));
  auto counts = run_counts("whole");
  EXPECT_EQ(counts.size(), 4u * 2);
  EXPECT_EQ(run_counts("merged"), counts);
  auto rows = leaderboard_rows("whole");
  EXPECT_EQ(rows.size(), 4u);
  EXPECT_EQ(leaderboard_rows("merged"), rows);
  EXPECT_EQ(json("merged/leaderboard.json")["runs_read"],
            json("whole/leaderboard.json")["runs_read"]);

  // What merge refuses, each in one line naming the part.
  auto missing = merge("shard-1 shard-2 -o m2");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("shard 3/3 missing: run `spanbench sweep --client "
                                "cpp-datadog,cpp-mock --rates 200,1000 --modes typical "
                                "--repetitions 1 --runtime 0.5"),
            std::string::npos)
      << missing.output;
  EXPECT_NE(missing.output.find("--shard 3/3`"), std::string::npos) << missing.output;
  auto partial = merge("shard-1 shard-2 -o partial --allow-missing");
  ASSERT_EQ(partial.exit_code, 0) << partial.output;
  EXPECT_EQ(json("partial/plan.json")["missing"], nlohmann::json::array({"shard 3/3"}));
  EXPECT_EQ(leaderboard_rows("partial").size(), 3u);
  auto twice = merge("shard-1 shard-2 shard-2 shard-3 -o m3");
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.output.find("shard 2/3 given twice: shard-2 and shard-2"), std::string::npos)
      << twice.output;
  fs::remove(dir_ / "shard-3/runs/cpp-mock/200/typical/run-001.json");
  auto lacking = merge("shard-1 shard-2 shard-3 -o m4");
  EXPECT_EQ(lacking.exit_code, 2);
  EXPECT_NE(lacking.output.find("shard 3/3 (shard-3) lacks 1 of the 2 runs of group cpp-mock@200"),
            std::string::npos)
      << lacking.output;
  EXPECT_NE(lacking.output.find("--out shard-3 --resume`"), std::string::npos) << lacking.output;
  auto other = json("shard-3/plan.json");
  other["plan_id"] = "0123456789abcdef";
  write_file_atomically(dir_ / "shard-3/plan.json", other.dump());
  auto foreign = merge("shard-1 shard-2 shard-3 -o m5");
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_NE(foreign.output.find("shard-3 is of another sweep (plan 0123456789abcdef)"),
            std::string::npos)
      << foreign.output;
  for (const char* m : {"m2", "m3", "m4", "m5"}) EXPECT_FALSE(fs::exists(dir_ / m / "plan.json"));
}

TEST_F(SweepTest, AnInterruptedSweepResumesWithoutRedoingFinishedRuns) {
  const std::string sweep =
      "sweep --client cpp-datadog --rates 500 --repetitions 3 --runtime 0.5 --out r";
  std::string cmd = command(sweep, 61) + " > out.txt 2>&1";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    _exit(127);
  }
  // Ctrl-C once two runs are on disk.
  const fs::path runs = dir_ / "r/runs/cpp-datadog/500";
  auto finished = [&] {
    std::vector<fs::path> out;
    if (!fs::exists(runs)) return out;
    for (const auto& e : fs::recursive_directory_iterator(runs)) {
      if (e.path().filename().string().rfind("run-", 0) != 0) continue;
      auto doc = nlohmann::json::parse(slurp(e.path()), nullptr, false);
      if (doc.is_object() && !doc.contains("error")) out.push_back(e.path());
    }
    return out;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (finished().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string output = slurp(dir_ / "out.txt");
  ASSERT_TRUE(WIFEXITED(status)) << output;
  ASSERT_EQ(WEXITSTATUS(status), 130) << output;
  EXPECT_NE(output.find("continue with the same command and --resume"), std::string::npos)
      << output;

  // What had finished, by inode and modification time.
  std::map<fs::path, std::pair<ino_t, timespec>> before;
  for (const auto& f : finished()) {
    struct stat st {};
    ASSERT_EQ(stat(f.c_str(), &st), 0);
    before[f] = {st.st_ino, st.st_mtim};
  }
  ASSERT_GE(before.size(), 2u) << output;
  ASSERT_LT(before.size(), 6u) << "the sweep ended before it was stopped: " << output;

  auto again = run_shell(command(sweep, 61));
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("pass --resume or another --out"), std::string::npos) << again.output;
  auto resumed = run_shell(command(sweep + " --resume", 61));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find(fmt::format("{} kept from before", before.size())),
            std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find(fmt::format("{} measured", 6 - before.size())), std::string::npos)
      << resumed.output;
  EXPECT_EQ(finished().size(), 6u) << resumed.output;
  for (const auto& [file, id] : before) {
    struct stat st {};
    ASSERT_EQ(stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_ino, id.first) << file << " was written again";
    EXPECT_EQ(st.st_mtim.tv_sec, id.second.tv_sec) << file;
    EXPECT_EQ(st.st_mtim.tv_nsec, id.second.tv_nsec) << file;
  }
  // Another definition in the same folder is refused, saying what to do.
  auto changed = run_shell(command(
      "sweep --client cpp-datadog --rates 500 --repetitions 4 --runtime 0.5 --out r --resume", 61));
  EXPECT_EQ(changed.exit_code, 2) << changed.output;
  EXPECT_NE(changed.output.find("r holds another sweep"), std::string::npos) << changed.output;
}

}  // namespace
}  // namespace spanbench::testing
