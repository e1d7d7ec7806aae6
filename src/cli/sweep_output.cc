#include "cli/sweep_output.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "report/format.h"
#include "report/leaderboard.h"

namespace spanbench::cli {

std::string format_sweep_summary(const SweepSummary& s, const std::filesystem::path& out_dir) {
  std::string out =
      fmt::format("sweep {} in {}: {} runs planned, {} measured, {} kept from before, {} failed",
                  s.interrupted ? "interrupted" : "finished", duration_text(s.seconds), s.planned,
                  s.measured, s.resumed, s.failed);
  if (s.skipped_runs > 0) out += fmt::format(", {} skipped", s.skipped_runs);
  out += "\n";
  if (!s.failures.empty()) {
    out += "failed runs (their files carry an \"error\" field):\n";
    for (const auto& f : s.failures) out += "  " + f + "\n";
  }
  if (!s.skipped.empty()) {
    out += "skipped clients (not ready on this machine):\n";
    for (const auto& [client, why] : s.skipped) out += "  " + client + ": " + why + "\n";
  }
  out += "results in " + out_dir.string() + "\n";
  return out;
}

void finish_sweep_folder(const std::filesystem::path& dir) {
  LeaderboardOptions options;
  options.tracer_descriptions = client_descriptions(global_options().clients_file);
  Leaderboard b = read_leaderboard(dir, options);
  write_leaderboard_files(b, dir);
  std::cout << "\n" << format_leaderboard_console(b);
  std::cout << fmt::format("leaderboard written to {0}/leaderboard.md, .csv and .json\n",
                           dir.string());
}

}  // namespace spanbench::cli
