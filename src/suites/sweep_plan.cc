#include "suites/sweep_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <numeric>
#include <set>

#include "core/error.h"
#include "core/toml_text.h"

namespace spanbench {
namespace {

// The satellite modes a traced run may report to ("none" is the untraced
// runs' own).
const std::vector<std::string>& traced_modes() {
  static const std::vector<std::string> modes = {"typical", "slow_succeed", "slow_fail"};
  return modes;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Clients and rates sorted: the order they were given in changes neither
// the plan nor its id.
SweepDefinition canonical(SweepDefinition d) {
  std::sort(d.clients.begin(), d.clients.end());
  std::sort(d.rates.begin(), d.rates.end());
  return d;
}

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string sweep_rate_text(double rate) { return fmt::format("{:g}", rate); }

std::filesystem::path group_folder(const std::string& client, double rate) {
  return std::filesystem::path("runs") / client / sweep_rate_text(rate);
}

void validate(const SweepDefinition& d) {
  if (d.clients.empty()) throw UsageError("a sweep needs at least one client (--clients a,b)");
  std::set<std::string> clients;
  for (const auto& c : d.clients) {
    if (c.empty() || c == "." || c == ".." || c.find('/') != std::string::npos) {
      throw UsageError(fmt::format("\"{}\" is not a client name", c));
    }
    if (!clients.insert(c).second) throw UsageError("the sweep names client " + c + " twice");
  }
  if (d.rates.empty()) throw UsageError("a sweep needs at least one span rate (--rates 1000)");
  std::set<std::string> rates;
  for (double r : d.rates) {
    if (!(r > 0)) throw UsageError(fmt::format("span rates must be > 0 (got {:g})", r));
    if (!rates.insert(sweep_rate_text(r)).second) {
      throw UsageError(fmt::format("the sweep names the rate {:g} twice", r));
    }
  }
  if (d.modes.empty())
    throw UsageError("a sweep needs at least one satellite mode (--modes typical)");
  std::set<std::string> modes;
  for (const auto& m : d.modes) {
    if (std::find(traced_modes().begin(), traced_modes().end(), m) == traced_modes().end()) {
      throw UsageError(fmt::format(
          "\"{}\" is not a satellite mode for traced runs; use {} (each repetition has an "
          "untraced run already)",
          m, joined(traced_modes())));
    }
    if (!modes.insert(m).second) throw UsageError("the sweep names mode " + m + " twice");
  }
  if (d.repetitions < 1) {
    throw UsageError(fmt::format("repetitions must be at least 1 (got {})", d.repetitions));
  }
  if (!(d.runtime_seconds >= 0.1)) {
    throw UsageError(
        fmt::format("runtime must be at least 0.1 seconds (got {:g})", d.runtime_seconds));
  }
  if (!(d.target_cpu >= 0.01 && d.target_cpu <= 0.99)) {
    throw UsageError(fmt::format("target_cpu must be in [0.01, 0.99] (got {:g})", d.target_cpu));
  }
  if (d.num_tags < 0 || d.num_logs < 0) throw UsageError("num_tags and num_logs must be >= 0");
}

nlohmann::json to_json(const SweepDefinition& d) {
  return {{"clients", d.clients},
          {"rates", d.rates},
          {"modes", d.modes},
          {"repetitions", d.repetitions},
          {"runtime", d.runtime_seconds},
          {"target_cpu", d.target_cpu},
          {"num_tags", d.num_tags},
          {"num_logs", d.num_logs},
          {"profile", d.profile}};
}

SweepDefinition sweep_definition_from_json(const nlohmann::json& j) {
  try {
    SweepDefinition d;
    d.clients = j.at("clients").get<std::vector<std::string>>();
    d.rates = j.at("rates").get<std::vector<double>>();
    d.modes = j.at("modes").get<std::vector<std::string>>();
    d.repetitions = j.at("repetitions").get<int>();
    d.runtime_seconds = j.at("runtime").get<double>();
    d.target_cpu = j.at("target_cpu").get<double>();
    d.num_tags = j.at("num_tags").get<int>();
    d.num_logs = j.at("num_logs").get<int>();
    d.profile = j.value("profile", false);
    return d;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a sweep definition: ") + e.what());
  }
}

std::string plan_id(const SweepDefinition& d) {
  return fmt::format("{:016x}", fnv1a(to_json(canonical(d)).dump()));
}

SweepDefinition parse_sweep_file(const std::string& toml_text, const std::string& source_name,
                                 SweepDefinition d) {
  toml::table root = parse_user_toml(toml_text, source_name);
  reject_unknown_keys(root,
                      {"clients", "rates", "modes", "repetitions", "runtime", "target_cpu",
                       "num_tags", "num_logs", "profile"},
                      source_name, "");
  TomlReader r(source_name);
  r.strings(root, "clients", d.clients);
  r.rates(root, "rates", d.rates);
  r.strings(root, "modes", d.modes);
  if (const toml::node* n = root.get("modes")) {
    for (const auto& item : *n->as_array()) {
      const std::string m = *item.value<std::string>();
      if (std::find(traced_modes().begin(), traced_modes().end(), m) == traced_modes().end()) {
        r.fail(item, fmt::format("modes: \"{}\" is not a satellite mode for traced runs; use {}", m,
                                 joined(traced_modes())));
      }
    }
  }
  int64_t repetitions = d.repetitions, tags = d.num_tags, logs = d.num_logs;
  r.integer(root, "repetitions", repetitions, 1);
  r.integer(root, "num_tags", tags, 0);
  r.integer(root, "num_logs", logs, 0);
  for (const char* key : {"repetitions", "num_tags", "num_logs"}) {
    const toml::node* n = root.get(key);
    if (n && *n->value<int64_t>() > 100000)
      r.fail(*n, std::string(key) + " must be at most 100000");
  }
  d.repetitions = int(repetitions);
  d.num_tags = int(tags);
  d.num_logs = int(logs);
  r.number(root, "runtime", d.runtime_seconds, 0.1);
  r.number(root, "target_cpu", d.target_cpu, 0.01);
  if (d.target_cpu > 0.99) r.fail(*root.get("target_cpu"), "target_cpu must be at most 0.99");
  r.flag(root, "profile", d.profile);
  return d;
}

SweepShard parse_shard(const std::string& text) {
  auto bad = [&] {
    return UsageError("--shard takes I/N, part I of N counted from 1 (e.g. 2/3); got \"" + text +
                      "\"");
  };
  auto slash = text.find('/');
  if (slash == std::string::npos) throw bad();
  SweepShard s;
  auto whole = [](std::string_view part, int& out) {
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && ptr == part.data() + part.size();
  };
  std::string_view all(text);
  if (!whole(all.substr(0, slash), s.index) || !whole(all.substr(slash + 1), s.count)) throw bad();
  if (s.count < 1 || s.index < 1 || s.index > s.count) throw bad();
  return s;
}

std::string PlannedRun::label() const {
  return fmt::format("{} {} sps {} #{}", client, sweep_rate_text(rate),
                     trace ? mode + " traced" : std::string("untraced"), repetition);
}

std::string PlannedGroup::key() const { return client + "@" + sweep_rate_text(rate); }

std::filesystem::path PlannedGroup::folder() const { return group_folder(client, rate); }

size_t SweepPlan::run_count() const {
  return std::accumulate(groups.begin(), groups.end(), size_t(0),
                         [](size_t n, const PlannedGroup& g) { return n + g.runs.size(); });
}

double SweepPlan::planned_runtime_seconds() const {
  return double(run_count()) * definition.runtime_seconds;
}

std::vector<PlannedGroup> plan_groups(const SweepDefinition& given, int shard_count) {
  if (shard_count < 1) throw UsageError("a sweep has at least one shard");
  const SweepDefinition d = canonical(given);
  std::vector<PlannedGroup> groups;
  groups.reserve(d.clients.size() * d.rates.size());
  std::vector<size_t> load(size_t(shard_count), 0);
  for (const auto& client : d.clients) {
    for (double rate : d.rates) {
      PlannedGroup g;
      g.client = client;
      g.rate = rate;
      const auto folder = g.folder();
      g.runs.reserve(size_t(d.repetitions) * (1 + d.modes.size()));
      for (int n = 1; n <= d.repetitions; ++n) {
        const std::string file = fmt::format("run-{:03d}.json", n);
        g.runs.push_back({client, rate, kUntracedMode, false, n, folder / "untraced" / file});
        for (const auto& mode : d.modes) {
          g.runs.push_back({client, rate, mode, true, n, folder / mode / file});
        }
      }
      auto lightest = std::min_element(load.begin(), load.end());
      g.shard = int(lightest - load.begin()) + 1;
      *lightest += g.runs.size();
      groups.push_back(std::move(g));
    }
  }
  return groups;
}

SweepPlan plan_sweep(const SweepDefinition& d, SweepShard shard) {
  validate(d);
  if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw UsageError("--shard " + shard.text() + " is not a part of the sweep");
  }
  SweepPlan plan;
  plan.definition = canonical(d);
  plan.plan_id = plan_id(d);
  plan.shard = shard;
  for (auto& g : plan_groups(d, shard.count)) {
    if (g.shard == shard.index) plan.groups.push_back(std::move(g));
  }
  return plan;
}

}  // namespace spanbench
