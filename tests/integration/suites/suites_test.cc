// The suite commands end to end: the real spanbench binary, the real
// reporting client cpp-datadog (repository registry), real satellites and
// gnuplot, with tiny runtimes. The report and exports: report_test.cc.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "report/csv.h"
#include "support/controller_support.h"

namespace spanbench::testing {
namespace {
namespace fs = std::filesystem;

class SuitesTest : public ::testing::Test {
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

  // spanbench with the repository's registry and this test's own ports:
  // control port test_port(offset), satellites on two ports of 19xxx.
  std::string spanbench(const std::string& command, int offset, const std::string& args,
                        const std::string& client = "cpp-datadog") const {
    return fmt::format("cd {} && {}", dir_.string(), invocation(command, offset, args, client));
  }
  std::string invocation(const std::string& command, int offset, const std::string& args,
                         const std::string& client = "cpp-datadog") const {
    return fmt::format(
        "{} --clients {} --log-dir {}/logs {} --client {} --control-port {} "
        "--satellite-ports {}-{} --calibration {}/cal-{}.json {}",
        SPANBENCH_BIN, REPO_CLIENTS_TOML, TEST_WORK_DIR, command, client, test_port(offset),
        19100 + 2 * offset, 19101 + 2 * offset, TEST_WORK_DIR, client, args);
  }
  // spanbench compare in this test's folder.
  std::string compare(const std::string& args) const {
    return fmt::format("cd {} && {} compare {}", dir_.string(), SPANBENCH_BIN, args);
  }

  static std::vector<CsvRow> csv(const fs::path& p) { return read_csv_file(p); }

  static void expect_images(const fs::path& stem) {
    auto png = fs::path(stem).replace_extension(".png"),
         svg = fs::path(stem).replace_extension(".svg");
    ASSERT_TRUE(fs::exists(png)) << png;
    ASSERT_TRUE(fs::exists(svg)) << svg;
    EXPECT_EQ(slurp(png).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_GT(fs::file_size(png), 5000u);
    EXPECT_NE(slurp(svg).find("<svg"), std::string::npos);
    EXPECT_GT(fs::file_size(svg), 5000u);
  }

  fs::path dir_;
};

TEST_F(SuitesTest, RegressPassesOnAHealthyClient) {
  std::ofstream(dir_ / "suite.toml") << R"(
[tiny.memory]
short_runtime = 1
long_runtime = 2
[tiny.dropped]
runtime = 1
[tiny.cpu]
runtime = 1
trials = 2
[tiny.throughput]
rates = [1000, 3000]
runtime = 1
)";
  auto out = run_shell(spanbench(
      "regress", 40, "--suite suite.toml --profile tiny --out reg --junit reg/junit.xml"));
  // A healthy client can only be judged on a machine that leaves it its
  // CPU: when other load disturbed the runs, regress says "noisy" (exit 3).
  if (out.exit_code == 3 && out.output.find("NOISY") != std::string::npos) {
    GTEST_SKIP() << "machine too busy to judge: regress gave no verdict\n" << out.output;
  }
  EXPECT_EQ(out.exit_code, 0) << out.output;
  for (const char* check : {"memory", "dropped", "cpu", "throughput"}) {
    EXPECT_NE(out.output.find(fmt::format("PASS {}:", check)), std::string::npos) << out.output;
  }
  EXPECT_NE(out.output.find("check       measured"), std::string::npos) << out.output;
  std::string junit = slurp(dir_ / "reg/junit.xml");
  EXPECT_NE(junit.find("tests=\"4\" failures=\"0\""), std::string::npos) << junit;
  EXPECT_EQ(junit.find("<failure"), std::string::npos);
  auto summary = nlohmann::json::parse(slurp(dir_ / "reg/regress.json"));
  EXPECT_TRUE(summary["passed"].get<bool>());
  // Every run reached disk: memory 2, dropped 2, cpu 2 x 2, throughput 2.
  size_t runs = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "reg/runs"))
    runs += e.path().extension() == ".json";
  EXPECT_EQ(runs, 10u);
}

TEST_F(SuitesTest, RegressFailsWhenALimitIsImpossiblyTight) {
  std::ofstream(dir_ / "tight.toml") << R"(
[tight.memory]
enabled = false
[tight.dropped]
enabled = false
[tight.cpu]
runtime = 1
trials = 1
max_overhead_points = -100.0   # the tracer would have to save a whole core
[tight.throughput]
rates = [1000]
runtime = 1
min_spans_per_second = 1e9
)";
  auto out = run_shell(
      spanbench("regress", 41,
                "--suite tight.toml --profile tight --out reg --junit junit.xml --allow-noise"));
  EXPECT_EQ(out.exit_code, 1) << out.output;
  EXPECT_NE(out.output.find("FAIL cpu:"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("failed 2 of 2 regress checks"), std::string::npos) << out.output;
  std::string junit = slurp(dir_ / "junit.xml");
  EXPECT_NE(junit.find("tests=\"2\" failures=\"2\""), std::string::npos) << junit;
  EXPECT_EQ(count(junit, "<failure message="), 2u) << junit;
}

TEST_F(SuitesTest, GraphCpuHasOneCsvRowPerRunAndBothImages) {
  auto out = run_shell(spanbench("graph cpu", 42, "--trials 1 --runtime 0.5 --out g"));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  auto rows = csv(dir_ / "g/cpu.csv");
  // Seven rates (100 ... 10,000), traced and untraced, one trial.
  ASSERT_EQ(rows.size(), 1u + 7 * 2) << out.output;
  EXPECT_EQ(rows[0][0], "target_spans_per_second");
  std::set<std::string> rates;
  for (size_t i = 1; i < rows.size(); ++i) rates.insert(rows[i][0]);
  EXPECT_EQ(rates, (std::set<std::string>{"100", "200", "500", "1000", "2000", "5000", "10000"}));
  expect_images(dir_ / "g/cpu");
  EXPECT_NE(slurp(dir_ / "g/cpu.svg").find("tracer"), std::string::npos);
  // Not a terminal: one plain progress line per run, with an ETA.
  EXPECT_NE(out.output.find("[14/14] cpu: untraced 10000 spans/s (trial 1/1) (ETA"),
            std::string::npos)
      << out.output;
}

TEST_F(SuitesTest, GraphMemoryHasRssSamplesOfEveryRate) {
  auto out = run_shell(spanbench("graph memory", 43, "--runtime 2 --out g"));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  auto rows = csv(dir_ / "g/memory.csv");
  std::map<std::string, int> samples;
  for (size_t i = 1; i < rows.size(); ++i) {
    samples[rows[i][0]]++;
    EXPECT_GT(std::stod(rows[i][3]), 1e6);  // RSS in bytes
  }
  ASSERT_EQ(samples.size(), 4u) << out.output;  // 100, 500, 1,000, 2,000 spans/s
  for (const auto& [rate, n] : samples) {
    EXPECT_GE(n, 1) << rate;
    EXPECT_LE(n, 4) << rate;  // one a second of a 2 s run
  }
  expect_images(dir_ / "g/memory");
}

TEST_F(SuitesTest, GraphDroppedHasOneRowPerRate) {
  auto out = run_shell(spanbench("graph dropped", 44, "--trials 1 --runtime 0.5 --out g"));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  auto rows = csv(dir_ / "g/dropped.csv");
  ASSERT_EQ(rows.size(), 1u + 8) << out.output;  // 500 ... 100,000 spans/s
  EXPECT_EQ(rows.back()[0], "100000");
  expect_images(dir_ / "g/dropped");
}

TEST_F(SuitesTest, GraphDisconnectHasFourSeries) {
  auto out = run_shell(
      spanbench("graph disconnect", 45, "--runtime 3 --down-at 1 --up-at 2 --sps 500 --out g"));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  auto rows = csv(dir_ / "g/disconnect.csv");
  std::set<std::string> series;
  for (size_t i = 1; i < rows.size(); ++i) series.insert(rows[i][0]);
  EXPECT_EQ(series, (std::set<std::string>{"noop", "tracer", "down-at-1s", "down-at-1s-up-at-2s"}))
      << out.output;
  EXPECT_GE(rows.size(), 1u + 4 * 2);
  expect_images(dir_ / "g/disconnect");
}

TEST_F(SuitesTest, CompareFlagsTracedAgainstUntracedButNotTheSameConfiguration) {
  // cpp-mock: a tracer with a clear cost per span. (cpp-datadog holds its
  // last span 20 ms inside the loop, which at 0.5 s runs lowers its traced
  // loop CPU share by more than its tracer costs: compare rightly calls
  // that a measurement problem.)
  auto rep = run_shell(
      spanbench("run", 47, "--sps 5000 --runtime 0.5 --repeat 12 --out sets", "cpp-mock"));
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  for (int n : {1, 12}) {
    EXPECT_TRUE(fs::exists(dir_ / fmt::format("sets/traced/run-{:03d}.json", n)));
    EXPECT_TRUE(fs::exists(dir_ / fmt::format("sets/untraced/run-{:03d}.json", n)));
  }

  auto diff = run_shell(compare("sets/untraced sets/traced --json cmp.json --allow-noise"));
  ASSERT_EQ(diff.exit_code, 0) << diff.output;
  EXPECT_NE(diff.output.find("significant"), std::string::npos) << diff.output;
  EXPECT_EQ(diff.output.find("no significant change"), std::string::npos) << diff.output;
  EXPECT_EQ(diff.output.find("WARNING: results unreliable"), std::string::npos) << diff.output;
  auto cmp = nlohmann::json::parse(slurp(dir_ / "cmp.json"));
  bool any = false;
  for (const auto& m : cmp["metrics"]) any = any || m["significant"].get<bool>();
  EXPECT_TRUE(any);

  // The same configuration: the traced runs split into odd (a JSON-lines
  // file) and even (a folder), interleaved in time so drift hits both.
  fs::create_directories(dir_ / "even");
  {
    std::ofstream odd(dir_ / "odd.jsonl");
    for (int n = 1; n <= 12; ++n) {
      auto src = dir_ / fmt::format("sets/traced/run-{:03d}.json", n);
      if (n % 2) {
        odd << nlohmann::json::parse(slurp(src)).dump() << "\n";
      } else {
        fs::copy_file(src, dir_ / "even" / src.filename());
      }
    }
  }
  auto same = run_shell(compare("odd.jsonl even --alpha 0.01 --fail-on-change --allow-noise"));
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("no significant change"), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("WARNING: results unreliable: 6 vs 6"), std::string::npos)
      << same.output;
}

TEST_F(SuitesTest, RepeatSummarisesAndCompareRefusesSetsRunWithDifferentSettings) {
  for (int tags : {3, 10}) {
    auto rep = run_shell(spanbench(
        "run", 49,
        fmt::format("--sps 500 --runtime 0.5 --repeat 2 --num-tags {0} --out tags{0}", tags),
        "cpp-mock"));
    ASSERT_EQ(rep.exit_code, 0) << rep.output;
    EXPECT_NE(rep.output.find("summary of 2 traced and 2 untraced runs (cpp-mock, 500 spans/s"),
              std::string::npos)
        << rep.output;
    for (const char* line : {"CPU traced", "spans/s untraced", "peak RSS traced", "CPU share",
                             "CPU per span", "tracer start-up (not in the per-span cost)"}) {
      EXPECT_NE(rep.output.find(line), std::string::npos) << line << "\n" << rep.output;
    }
    auto summary = nlohmann::json::parse(slurp(dir_ / fmt::format("tags{}/summary.json", tags)));
    EXPECT_EQ(summary["traced_runs"], 2);
    EXPECT_TRUE(summary["cpu_ns_per_span"].is_object());
    auto run1 =
        nlohmann::json::parse(slurp(dir_ / fmt::format("tags{}/traced/run-001.json", tags)));
    EXPECT_EQ(run1["num_tags"], tags);
  }

  // Different span shapes measure different things: refused, one line, exit 2.
  auto refused = run_shell(compare("tags3/traced tags10/traced"));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("were run with different settings (NumTags: 3 vs 10)"),
            std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("--force"), std::string::npos);
  EXPECT_EQ(std::count(refused.output.begin(), refused.output.end(), '\n'), 1) << refused.output;

  // --force compares them and says what differs (--allow-noise: the runs
  // may have been disturbed on a shared machine).
  auto forced =
      run_shell(compare("tags3/traced tags10/traced --force --allow-noise --json f.json"));
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(
      forced.output.find("WARNING: settings differ (compared with --force): NumTags: 3 vs 10"),
      std::string::npos)
      << forced.output;
  EXPECT_NE(forced.output.find("shift [CI]"), std::string::npos) << forced.output;
  auto f = nlohmann::json::parse(slurp(dir_ / "f.json"));
  EXPECT_EQ(f["settings_differences"][0], "NumTags: 3 vs 10");
  EXPECT_TRUE(f["metrics"][0]["shift"].is_object());
}

TEST_F(SuitesTest, CompareGivesNoVerdictOnDisturbedRuns) {
  auto rep =
      run_shell(spanbench("run", 50, "--sps 500 --runtime 0.5 --repeat 2 --out s", "cpp-noop"));
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  // Mark the runs by hand: all quiet but one.
  for (const char* side : {"traced", "untraced"}) {
    for (int n : {1, 2}) {
      auto file = dir_ / fmt::format("s/{}/run-{:03d}.json", side, n);
      auto j = nlohmann::json::parse(slurp(file));
      bool marked = std::string(side) == "traced" && n == 2;
      j["disturbed"] = marked;
      j["disturbance"] = marked ? "other processes used 1.5 cores" : "";
      std::ofstream(file) << j.dump(2);
    }
  }
  auto noisy = run_shell(compare("s/untraced s/traced --json n.json"));
  EXPECT_EQ(noisy.exit_code, 3) << noisy.output;
  EXPECT_NE(noisy.output.find("NOISY: no verdict: 1 of 4 runs were disturbed"), std::string::npos)
      << noisy.output;
  EXPECT_NE(noisy.output.find("new run-002.json (other processes used 1.5 cores)"),
            std::string::npos)
      << noisy.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir_ / "n.json"))["verdict"], "noisy");

  auto allowed = run_shell(compare("s/untraced s/traced --allow-noise"));
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
  EXPECT_NE(allowed.output.find("accepted with --allow-noise"), std::string::npos)
      << allowed.output;

  auto help = run_shell(fmt::format("{} compare --help", SPANBENCH_BIN));
  EXPECT_NE(help.output.find("3 noisy"), std::string::npos) << help.output;
}

TEST_F(SuitesTest, InterruptedGraphKeepsItsDataAndSaysWhere) {
  // Two 3 s runs; Ctrl-C once the first is in the CSV.
  std::string cmd = "exec " +
                    invocation("graph memory", 48, "--rates 100,500 --runtime 3 --out g") +
                    " > out.txt 2>&1";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (chdir(dir_.c_str()) != 0) _exit(126);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    _exit(127);
  }
  auto csv_file = dir_ / "g/memory.csv";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(csv_file) && csv(csv_file).size() > 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string output = slurp(dir_ / "out.txt");
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 130) << output;
  EXPECT_NE(output.find("interrupted; every finished run is in g/memory.csv"), std::string::npos)
      << output;
  auto rows = csv(csv_file);
  ASSERT_GT(rows.size(), 1u);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][0], "100");  // the finished run only
  auto partial = nlohmann::json::parse(slurp(dir_ / "g/memory-failed-run.json"));
  EXPECT_NE(partial["error"].get<std::string>().find("stopped"), std::string::npos);
  EXPECT_EQ(partial["target_spans_per_second"].get<double>(), 500);
}

}  // namespace
}  // namespace spanbench::testing
