#include "suites/sweep_merge.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/file_io.h"
#include "report/json_reporter.h"

namespace spanbench {
namespace {

namespace fs = std::filesystem;

struct ShardFolder {
  fs::path dir;
  nlohmann::json plan;
  SweepShard shard;
  nlohmann::json machine;
  std::set<std::string> skipped_clients;
};

ShardFolder read_shard(const fs::path& dir) {
  ShardFolder s;
  s.dir = dir;
  const fs::path file = dir / "plan.json";
  auto text = try_read_file(file);
  if (!text) {
    throw UsageError(
        fmt::format("{} is not a sweep folder (no plan.json): give the --out folders "
                    "of spanbench sweep --shard I/N",
                    dir.string()));
  }
  s.plan = nlohmann::json::parse(*text, nullptr, false);
  if (!s.plan.is_object() || s.plan.value("format", "") != "spanbench-sweep/1") {
    throw UsageError(file.string() + " is not a sweep's plan.json");
  }
  if (s.plan.value("merged", false)) {
    throw UsageError(
        fmt::format("{} is merged already; give the shards' own folders", dir.string()));
  }
  try {
    s.shard = {s.plan.at("shard").at("index").get<int>(),
               s.plan.at("shard").at("count").get<int>()};
  } catch (const nlohmann::json::exception&) {
    throw UsageError(file.string() + " has no shard {\"index\", \"count\"}");
  }
  auto machine = try_read_file(dir / "machine.json");
  s.machine = machine ? nlohmann::json::parse(*machine, nullptr, false) : nlohmann::json();
  if (s.machine.is_discarded()) s.machine = nullptr;
  if (s.plan.contains("skipped") && s.plan["skipped"].is_object()) {
    for (const auto& [client, why] : s.plan["skipped"].items()) s.skipped_clients.insert(client);
  }
  return s;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

}  // namespace

std::string sweep_command_line(const SweepDefinition& d, SweepShard shard) {
  std::vector<std::string> rates;
  for (double r : d.rates) rates.push_back(sweep_rate_text(r));
  std::string line = fmt::format(
      "spanbench sweep --client {} --rates {} --modes {} --repetitions {} --runtime {:g} "
      "--target-cpu {:g} --num-tags {} --num-logs {}",
      join(d.clients, ","), join(rates, ","), join(d.modes, ","), d.repetitions, d.runtime_seconds,
      d.target_cpu, d.num_tags, d.num_logs);
  if (d.profile) line += " --profile";
  return line + " --shard " + shard.text();
}

MergeSummary merge_sweeps(const MergeOptions& o) {
  if (o.shard_dirs.empty()) throw UsageError("give the folders of the shards to merge");
  std::vector<ShardFolder> shards;
  for (const auto& dir : o.shard_dirs) {
    if (fs::exists(dir) && fs::exists(o.out_dir) && fs::equivalent(dir, o.out_dir)) {
      throw UsageError(
          fmt::format("-o {} is one of the shards; write the merge elsewhere", o.out_dir.string()));
    }
    shards.push_back(read_shard(dir));
  }
  if (fs::exists(o.out_dir / "plan.json")) {
    throw UsageError(fmt::format("{} holds a sweep already; pass another -o", o.out_dir.string()));
  }

  // One plan: the same id and shard count everywhere.
  const ShardFolder& first = shards.front();
  const std::string id = first.plan.value("plan_id", "");
  const int count = first.shard.count;
  for (const auto& s : shards) {
    const std::string other = s.plan.value("plan_id", "");
    if (other != id) {
      throw UsageError(
          fmt::format("{} is of another sweep (plan {}) than {} (plan {}); merge the "
                      "shards of one sweep",
                      s.dir.string(), other, first.dir.string(), id));
    }
    if (s.shard.count != count) {
      throw UsageError(
          fmt::format("{} is shard {} but {} is shard {}: the shards of one merge "
                      "must split the sweep alike",
                      s.dir.string(), s.shard.text(), first.dir.string(), first.shard.text()));
    }
  }
  SweepDefinition def;
  try {
    def = sweep_definition_from_json(first.plan.at("definition"));
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("{}/plan.json: {}", first.dir.string(), e.what()));
  }
  if (plan_id(def) != id) {
    throw UsageError(fmt::format("{}/plan.json was edited: its definition is not plan {}",
                                 first.dir.string(), id));
  }

  std::map<int, const ShardFolder*> by_index;
  for (const auto& s : shards) {
    auto [it, fresh] = by_index.emplace(s.shard.index, &s);
    if (!fresh) {
      throw UsageError(fmt::format("shard {} given twice: {} and {}", s.shard.text(),
                                   it->second->dir.string(), s.dir.string()));
    }
  }

  MergeSummary m;
  m.plan_id = id;
  m.shard_count = count;
  std::vector<std::string> missing;
  for (int i = 1; i <= count; ++i) {
    if (!by_index.count(i)) {
      missing.push_back(fmt::format("shard {}/{}", i, count));
      if (!o.allow_missing) {
        throw UsageError(fmt::format("shard {}/{} missing: run `{}` and give its --out folder too",
                                     i, count, sweep_command_line(def, {i, count})));
      }
    }
  }

  // Each planned group from the shard that owns it, each run there.
  const std::vector<PlannedGroup> groups = plan_groups(def, count);
  std::map<std::string, const ShardFolder*> group_owner;
  for (const auto& s : shards) {
    for (const auto& key : s.plan.value("groups", nlohmann::json::array())) {
      auto [it, fresh] = group_owner.emplace(key.get<std::string>(), &s);
      if (!fresh) {
        throw UsageError(fmt::format("group {} is in two shards: {} and {}", key.get<std::string>(),
                                     it->second->dir.string(), s.dir.string()));
      }
    }
  }
  struct Copy {
    fs::path from, to;
  };
  std::vector<Copy> copies;
  nlohmann::json skipped = nlohmann::json::object();
  nlohmann::json merged_groups = nlohmann::json::array();
  for (const auto& g : groups) {
    auto owner = by_index.find(g.shard);
    if (owner == by_index.end()) continue;  // a missing shard, allowed
    const ShardFolder& s = *owner->second;
    if (!group_owner.count(g.key()) || group_owner[g.key()] != &s) {
      throw UsageError(fmt::format("{}/plan.json does not list group {} of shard {}",
                                   s.dir.string(), g.key(), s.shard.text()));
    }
    if (s.skipped_clients.count(g.client)) {
      skipped[g.client] = s.plan["skipped"][g.client];
      continue;
    }
    std::vector<std::string> lacking;
    for (const auto& run : g.runs) {
      if (!fs::exists(s.dir / run.file)) {
        lacking.push_back(run.file.generic_string());
        continue;
      }
      ++m.runs;
      auto doc = nlohmann::json::parse(read_file(s.dir / run.file), nullptr, false);
      if (!doc.is_object() || doc.contains("error")) ++m.failed_runs;
    }
    if (!lacking.empty()) {
      for (const auto& l : lacking) missing.push_back(s.shard.text() + " " + l);
      if (!o.allow_missing) {
        throw UsageError(fmt::format(
            "shard {} ({}) lacks {} of the {} runs of group {}, e.g. {}: finish it with `{} --out "
            "{} --resume`",
            s.shard.text(), s.dir.string(), lacking.size(), g.runs.size(), g.key(), lacking.front(),
            sweep_command_line(def, s.shard), s.dir.string()));
      }
    }
    copies.push_back({s.dir / g.folder(), o.out_dir / g.folder()});
    merged_groups.push_back(g.key());
  }

  for (const auto& c : copies) {
    fs::create_directories(c.to);
    fs::copy(c.from, c.to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  m.groups = copies.size();
  nlohmann::json shard_list = nlohmann::json::array();
  for (const auto& [index, s] : by_index) {
    shard_list.push_back({{"index", s->shard.index},
                          {"count", s->shard.count},
                          {"folder", fs::absolute(s->dir).lexically_normal().string()},
                          {"groups", s->plan.value("groups", nlohmann::json::array())},
                          {"machine", s->machine}});
    m.shards.push_back({s->shard.text(), s->dir,
                        s->machine.is_object() ? s->machine.value("host", "unknown") : "unknown"});
  }
  m.missing = missing;
  nlohmann::json plan = {{"format", "spanbench-sweep/1"},
                         {"definition", to_json(def)},
                         {"plan_id", id},
                         {"merged", true},
                         {"shard", {{"merged", true}, {"count", count}}},
                         {"shards", shard_list},
                         {"groups", merged_groups},
                         {"planned_runs", plan_sweep(def).run_count()},
                         {"skipped", skipped},
                         {"missing", missing}};
  write_json_file(plan, o.out_dir / "plan.json");
  return m;
}

}  // namespace spanbench
