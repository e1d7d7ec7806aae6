// The sweep planner: the same definition gives the same plan and id on
// every call, shards partition the groups exactly and evenly, and a sweep
// file's mistakes name their file and line.
#include "suites/sweep_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"

namespace spanbench {
namespace {

SweepDefinition three_by_two() {
  SweepDefinition d;
  d.clients = {"cpp-datadog", "node-otel", "python"};
  d.rates = {1000, 10000};
  d.modes = {"typical", "slow_fail"};
  d.repetitions = 3;
  d.runtime_seconds = 2;
  return d;
}

std::vector<std::string> files(const SweepPlan& p) {
  std::vector<std::string> out;
  for (const auto& g : p.groups) {
    for (const auto& r : g.runs) out.push_back(r.file.generic_string());
  }
  return out;
}

std::string usage_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SweepPlan, GroupsSortedEachRepetitionUntracedThenEachMode) {
  SweepDefinition d = three_by_two();
  d.clients = {"python", "cpp-datadog", "node-otel"};  // given in any order
  d.rates = {10000, 1000};
  SweepPlan p = plan_sweep(d);
  ASSERT_EQ(p.groups.size(), 6u);
  std::vector<std::string> keys;
  for (const auto& g : p.groups) keys.push_back(g.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"cpp-datadog@1000", "cpp-datadog@10000", "node-otel@1000",
                                      "node-otel@10000", "python@1000", "python@10000"}));
  EXPECT_EQ(p.run_count(), 6u * 3 * 3);
  EXPECT_DOUBLE_EQ(p.planned_runtime_seconds(), 6 * 3 * 3 * 2.0);
  const auto& g = p.groups[1];
  ASSERT_EQ(g.runs.size(), 9u);
  std::vector<std::string> order;
  for (const auto& r : g.runs) order.push_back(r.label());
  EXPECT_EQ(
      order,
      (std::vector<std::string>{
          "cpp-datadog 10000 sps untraced #1", "cpp-datadog 10000 sps typical traced #1",
          "cpp-datadog 10000 sps slow_fail traced #1", "cpp-datadog 10000 sps untraced #2",
          "cpp-datadog 10000 sps typical traced #2", "cpp-datadog 10000 sps slow_fail traced #2",
          "cpp-datadog 10000 sps untraced #3", "cpp-datadog 10000 sps typical traced #3",
          "cpp-datadog 10000 sps slow_fail traced #3"}));
  EXPECT_EQ(g.runs[0].file.generic_string(), "runs/cpp-datadog/10000/untraced/run-001.json");
  EXPECT_EQ(g.runs[0].mode, "none");
  EXPECT_FALSE(g.runs[0].trace);
  EXPECT_EQ(g.runs[8].file.generic_string(), "runs/cpp-datadog/10000/slow_fail/run-003.json");
  EXPECT_TRUE(g.runs[8].trace);
  EXPECT_EQ(g.folder().generic_string(), "runs/cpp-datadog/10000");
  EXPECT_EQ(group_folder("x", 2500.5).generic_string(), "runs/x/2500.5");
}

TEST(SweepPlan, SameDefinitionSamePlanAndId) {
  SweepDefinition a = three_by_two(), b = three_by_two();
  std::reverse(b.clients.begin(), b.clients.end());
  std::reverse(b.rates.begin(), b.rates.end());
  EXPECT_EQ(plan_id(a), plan_id(b));
  EXPECT_EQ(files(plan_sweep(a, {2, 3})), files(plan_sweep(b, {2, 3})));
  EXPECT_EQ(plan_sweep(a).plan_id, plan_id(a));
  EXPECT_EQ(plan_id(a).size(), 16u);
  EXPECT_EQ(plan_id(a).find_first_not_of("0123456789abcdef"), std::string::npos);
  // The id survives a round trip through plan.json.
  EXPECT_EQ(plan_id(sweep_definition_from_json(nlohmann::json::parse(to_json(a).dump()))),
            plan_id(a));
}

TEST(SweepPlan, AnyChangeToTheDefinitionChangesTheId) {
  const std::string base = plan_id(three_by_two());
  std::vector<std::function<void(SweepDefinition&)>> changes = {
      [](auto& d) { d.clients.push_back("z"); },
      [](auto& d) { d.rates.back() = 20000; },
      [](auto& d) {
        d.modes = {"slow_fail", "typical"};
      },
      [](auto& d) { d.repetitions = 4; },
      [](auto& d) { d.runtime_seconds = 2.5; },
      [](auto& d) { d.target_cpu = 0.5; },
      [](auto& d) { d.num_tags = 0; },
      [](auto& d) { d.num_logs = 1; },
      [](auto& d) { d.profile = true; },
  };
  std::set<std::string> ids = {base};
  for (const auto& change : changes) {
    SweepDefinition d = three_by_two();
    change(d);
    EXPECT_TRUE(ids.insert(plan_id(d)).second) << to_json(d).dump();
  }
}

TEST(SweepPlan, ShardsPartitionTheGroupsExactlyAndEvenly) {
  for (int clients : {1, 2, 5, 7}) {
    for (int n : {1, 2, 3, 4, 8}) {
      SweepDefinition d = three_by_two();
      d.clients.clear();
      for (int c = 0; c < clients; ++c) d.clients.push_back("c" + std::to_string(c));
      const SweepPlan whole = plan_sweep(d);
      std::multiset<std::string> union_of_shards;
      std::set<std::string> groups_seen;
      size_t most = 0, fewest = SIZE_MAX;
      for (int i = 1; i <= n; ++i) {
        SweepPlan p = plan_sweep(d, {i, n});
        EXPECT_EQ(p.plan_id, whole.plan_id) << "the id does not depend on the shard";
        for (const auto& g : p.groups) {
          EXPECT_EQ(g.shard, i);
          EXPECT_TRUE(groups_seen.insert(g.key()).second) << g.key() << " in two shards";
          for (const auto& r : g.runs) {
            EXPECT_EQ(r.file.generic_string().rfind(g.folder().generic_string(), 0), 0u)
                << "a run outside its group's folder: " << r.file;
          }
        }
        for (const auto& f : files(p)) union_of_shards.insert(f);
        most = std::max(most, p.run_count());
        fewest = std::min(fewest, p.run_count());
      }
      auto all = files(whole);
      EXPECT_EQ(union_of_shards, std::multiset<std::string>(all.begin(), all.end()))
          << clients << " clients, " << n << " shards";
      // Every group has the same runs: shards differ by one group's at most.
      EXPECT_LE(most - fewest, whole.groups.front().runs.size());
    }
  }
}

TEST(SweepPlan, ShardTextParses) {
  EXPECT_EQ(parse_shard("2/3"), (SweepShard{2, 3}));
  EXPECT_EQ(parse_shard("1/1"), (SweepShard{1, 1}));
  EXPECT_EQ(parse_shard("2/3").text(), "2/3");
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3", "", "1 /2"}) {
    EXPECT_NE(usage_error([&] { parse_shard(bad); }).find("--shard takes I/N"), std::string::npos)
        << bad;
  }
}

TEST(SweepPlan, BadDefinitionsAreUsageErrors) {
  auto error_of = [](const std::function<void(SweepDefinition&)>& change) {
    SweepDefinition d = three_by_two();
    change(d);
    return usage_error([&] { plan_sweep(d); });
  };
  EXPECT_NE(error_of([](auto& d) { d.clients.clear(); }).find("at least one client"),
            std::string::npos);
  EXPECT_NE(error_of([](auto& d) { d.clients.push_back("python"); }).find("python twice"),
            std::string::npos);
  EXPECT_NE(error_of([](auto& d) { d.clients.push_back("../x"); }).find("not a client name"),
            std::string::npos);
  EXPECT_NE(error_of([](auto& d) { d.rates.push_back(1000); }).find("rate 1000 twice"),
            std::string::npos);
  EXPECT_NE(error_of([](auto& d) { d.modes = {"none"}; }).find("untraced run already"),
            std::string::npos);
  EXPECT_NE(error_of([](auto& d) { d.repetitions = 0; }).find("repetitions"), std::string::npos);
  EXPECT_NE(error_of([](auto& d) { d.runtime_seconds = 0; }).find("runtime"), std::string::npos);
}

TEST(SweepFile, KeysOverTheBaseEachOptional) {
  SweepDefinition base = three_by_two();
  SweepDefinition d = parse_sweep_file(R"(
# a comment
clients = ["b", "a"]
rates = [100, 500.5]
modes = ["slow_succeed"]
repetitions = 2
runtime = 1.5
target_cpu = 0.5
num_tags = 0
num_logs = 3
profile = true
)",
                                       "s.toml", base);
  EXPECT_EQ(d.clients, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(d.rates, (std::vector<double>{100, 500.5}));
  EXPECT_EQ(d.modes, (std::vector<std::string>{"slow_succeed"}));
  EXPECT_EQ(d.repetitions, 2);
  EXPECT_DOUBLE_EQ(d.runtime_seconds, 1.5);
  EXPECT_DOUBLE_EQ(d.target_cpu, 0.5);
  EXPECT_EQ(d.num_tags, 0);
  EXPECT_EQ(d.num_logs, 3);
  EXPECT_TRUE(d.profile);
  SweepDefinition same = parse_sweep_file("rates = [5]\n", "s.toml", base);
  EXPECT_EQ(same.clients, base.clients);
  EXPECT_EQ(same.rates, (std::vector<double>{5}));
  EXPECT_EQ(same.repetitions, base.repetitions);
}

TEST(SweepFile, MistakesNameFileAndLine) {
  auto error_of = [](const std::string& text) {
    return usage_error([&] { parse_sweep_file(text, "my.toml"); });
  };
  EXPECT_EQ(error_of("clients = [\"a\"]\nrate = [1]\n").rfind("my.toml:2: unknown key rate", 0), 0u)
      << error_of("clients = [\"a\"]\nrate = [1]\n");
  EXPECT_EQ(error_of("\n\nrates = [1000, 100]\n"), "my.toml:3: rates must be in rising order");
  EXPECT_EQ(error_of("rates = []\n"), "my.toml:1: rates must be a non-empty array of rates");
  EXPECT_EQ(error_of("clients = [\"a\", \"a\"]\n"), "my.toml:1: clients names \"a\" twice");
  EXPECT_EQ(error_of("clients = \"a\"\n"), "my.toml:1: clients must be a non-empty array of names");
  EXPECT_EQ(error_of("\nrepetitions = 0\n"), "my.toml:2: repetitions must be at least 1");
  EXPECT_EQ(error_of("repetitions = 2.5\n"), "my.toml:1: repetitions must be a whole number");
  EXPECT_EQ(error_of("runtime = \"10\"\n"), "my.toml:1: runtime must be a number");
  EXPECT_EQ(error_of("target_cpu = 1.5\n"), "my.toml:1: target_cpu must be at most 0.99");
  EXPECT_EQ(error_of("profile = 1\n"), "my.toml:1: profile must be true or false");
  EXPECT_NE(error_of("modes = [\"typical\",\n  \"slow\"]\n").find("my.toml:2: modes: \"slow\""),
            std::string::npos);
  EXPECT_EQ(error_of("[clients]\n").rfind("my.toml:1: ", 0), 0u);
  EXPECT_EQ(error_of("rates = [1,\n").rfind("my.toml:", 0), 0u);  // a syntax error
}

TEST(SweepFile, TheShippedFileIsAValidSweep) {
  std::ifstream in(SPANBENCH_SOURCE_DIR "/suites/sweep.toml");
  ASSERT_TRUE(in) << "suites/sweep.toml is missing";
  std::stringstream text;
  text << in.rdbuf();
  SweepDefinition d = parse_sweep_file(text.str(), "suites/sweep.toml");
  EXPECT_NO_THROW(plan_sweep(d));
  EXPECT_FALSE(d.clients.empty());
}

}  // namespace
}  // namespace spanbench
