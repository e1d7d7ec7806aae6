#pragma once

// Combines the folders of a sweep's shards (each from `spanbench sweep
// --shard I/N`, possibly on another machine) into one folder, as if one
// machine had run them all; every run keeps the machine context it was
// measured with, and plan.json lists each shard's machine.

#include <filesystem>
#include <string>
#include <vector>

#include "suites/sweep_plan.h"

namespace spanbench {

struct MergeOptions {
  std::vector<std::filesystem::path> shard_dirs;
  std::filesystem::path out_dir;
  // Merge what there is when shards or runs are missing (they are listed in
  // plan.json's "missing") instead of refusing.
  bool allow_missing = false;
};

struct MergeSummary {
  std::string plan_id;
  int shard_count = 0;
  size_t groups = 0;
  size_t runs = 0;                   // run files copied
  size_t failed_runs = 0;            // of those, with "error"
  std::vector<std::string> missing;  // with allow_missing: what was not there
  // Each shard merged, in shard order: "2/3", its folder and machine (host).
  struct Shard {
    std::string shard;
    std::filesystem::path dir;
    std::string host;
  };
  std::vector<Shard> shards;
};

// The command that runs shard `shard` of `d` ("spanbench sweep --client a,b
// --rates ... --shard 2/3"), for messages that say what to run.
std::string sweep_command_line(const SweepDefinition& d, SweepShard shard);

// Checks that the folders are the shards of one plan, each once, none
// missing and none lacking runs, then writes out_dir. Throws UsageError
// naming the folder or shard at fault (and the command that fills a gap).
MergeSummary merge_sweeps(const MergeOptions& options);

}  // namespace spanbench
