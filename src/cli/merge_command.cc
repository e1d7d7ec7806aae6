// spanbench merge: the folders of a sweep's shards into one folder.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/sweep_output.h"
#include "cli/validators.h"
#include "suites/sweep_merge.h"

namespace spanbench::cli {
namespace {

struct MergeFlags {
  std::vector<std::string> dirs;
  std::string out_dir;
  bool allow_missing = false;
};

void run(const MergeFlags& f) {
  MergeOptions o;
  for (const auto& d : f.dirs) o.shard_dirs.push_back(d);
  o.out_dir = f.out_dir;
  o.allow_missing = f.allow_missing;
  MergeSummary m = merge_sweeps(o);
  std::cout << fmt::format(
      "merged {} of {} shards of sweep {}: {} groups, {} runs ({} failed) "
      "into {}\n",
      m.shards.size(), m.shard_count, m.plan_id, m.groups, m.runs, m.failed_runs, f.out_dir);
  for (const auto& s : m.shards) {
    std::cout << fmt::format("  shard {} ({}): measured on {}\n", s.shard, s.dir.string(), s.host);
  }
  if (!m.missing.empty()) {
    std::cout << fmt::format("missing ({}), merged without them (--allow-missing):\n",
                             m.missing.size());
    for (const auto& x : m.missing) std::cout << "  " << x << "\n";
  }
  finish_sweep_folder(f.out_dir);
}

}  // namespace

void add_merge_command(CLI::App& root) {
  auto f = std::make_shared<MergeFlags>();
  auto* cmd = root.add_subcommand(
      "merge",
      "Combine the folders of a sweep's shards (spanbench sweep --shard I/N) into one, checking "
      "that none is missing, repeated or unfinished; then the leaderboard");
  cmd->add_option("dirs", f->dirs, "The shards' --out folders")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--out", f->out_dir, "Folder to write the merged sweep into")
      ->required()
      ->check(writable_path(true));
  cmd->add_flag("--allow-missing", f->allow_missing,
                "Merge what there is when shards or runs are missing (listed in plan.json's "
                "\"missing\") instead of refusing");
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
