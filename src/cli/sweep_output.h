#pragma once

// What sweep and merge print and write at the end, shared by both commands.

#include <filesystem>
#include <string>

#include "suites/sweep.h"

namespace spanbench::cli {

// "sweep finished in 4m10s: 24 runs planned, 20 measured, ..." with the
// failed runs and the skipped clients, each named.
std::string format_sweep_summary(const SweepSummary& s, const std::filesystem::path& out_dir);

// Writes the folder's leaderboard files (leaderboard.json, .md, .csv) from
// the folder alone and prints the console leaderboard.
void finish_sweep_folder(const std::filesystem::path& dir);

}  // namespace spanbench::cli
