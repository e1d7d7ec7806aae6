#pragma once

// What `spanbench sweep` will run, apart from running it: the definition
// (clients x span rates x satellite modes x repetitions and the run
// settings), its id, and the plan of one shard. Pure functions, no I/O: the
// same definition and shard give the same plan on every machine, which is
// what lets shards run apart and be merged.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace spanbench {

struct SweepDefinition {
  std::vector<std::string> clients;
  std::vector<double> rates = {1000, 10000};  // spans per second
  // Satellite modes of the traced runs (each repetition also has one
  // untraced run, which needs no satellites).
  std::vector<std::string> modes = {"typical"};
  int repetitions = 5;
  double runtime_seconds = 10;
  double target_cpu = 0.7;
  int num_tags = 10;
  int num_logs = 15;
  bool profile = false;
};

// Throws UsageError saying what is wrong (no client, a mode that is not a
// traced satellite mode, a repeated rate, ...).
void validate(const SweepDefinition& d);

// The canonical form: every field, keys sorted. Its hash is the plan id.
nlohmann::json to_json(const SweepDefinition& d);
// Throws Error when a field is missing or of the wrong type.
SweepDefinition sweep_definition_from_json(const nlohmann::json& j);
// 16 hex digits (FNV-1a of the canonical JSON): equal for equal
// definitions, on any machine.
std::string plan_id(const SweepDefinition& d);

// Reads a sweep file (suites/sweep.toml) over `base`: each key present
// replaces the field; keys are optional. Throws UsageError "SOURCE:LINE:
// what" for an unknown key or a bad value.
SweepDefinition parse_sweep_file(const std::string& toml_text, const std::string& source_name,
                                 SweepDefinition base = {});

// Part I of N (1-based), "I/N" on the command line.
struct SweepShard {
  int index = 1;
  int count = 1;
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
  bool operator==(const SweepShard&) const = default;
};
// Throws UsageError naming --shard for anything but 1 <= I <= N.
SweepShard parse_shard(const std::string& text);

// The mode of an untraced run, in "sweep.mode".
inline constexpr const char* kUntracedMode = "none";

struct PlannedRun {
  std::string client;
  double rate = 0;
  std::string mode;  // kUntracedMode for the untraced run
  bool trace = false;
  int repetition = 0;          // 1-based
  std::filesystem::path file;  // relative to the sweep folder
  // "cpp-datadog 1000 sps typical traced #3"
  std::string label() const;
};

// One (client, rate): the unit of calibration and of sharding. All its
// runs are measured on one machine, after one calibration.
struct PlannedGroup {
  std::string client;
  double rate = 0;
  int shard = 1;  // 1-based
  std::vector<PlannedRun> runs;
  std::string key() const;  // "cpp-datadog@1000"
  // runs/<client>/<rate>, relative to the sweep folder.
  std::filesystem::path folder() const;
};

struct SweepPlan {
  SweepDefinition definition;
  std::string plan_id;
  SweepShard shard;
  std::vector<PlannedGroup> groups;  // this shard's, in run order
  size_t run_count() const;
  double planned_runtime_seconds() const;
};

// Every group of the definition, sorted by client then rate, each given
// its shard of `shard_count`: greedily to the shard with the fewest
// planned runs so far (ties to the lowest index), so shards differ by at
// most one group's runs. Within a group, each repetition runs untraced
// first, then traced in each mode, so drift falls on all alike.
std::vector<PlannedGroup> plan_groups(const SweepDefinition& d, int shard_count);
// The groups of `shard` alone. Validates the definition.
SweepPlan plan_sweep(const SweepDefinition& d, SweepShard shard = {});

// "runs/<client>/<rate>" (rate formatted with %g).
std::filesystem::path group_folder(const std::string& client, double rate);
std::string sweep_rate_text(double rate);  // %g

}  // namespace spanbench
