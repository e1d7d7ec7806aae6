#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/validators.h"
#include "core/error.h"
#include "core/file_io.h"
#include "report/leaderboard.h"

namespace spanbench::cli {
namespace {

struct LeaderboardFlags {
  std::string dir;
  std::string export_markdown, export_csv, export_json;
};

void run(const LeaderboardFlags& f) {
  // The same file named twice would hold only the last format written.
  std::vector<std::pair<std::string, std::string>> targets;
  for (const auto& [flag, file] :
       {std::pair<std::string, std::string>{"--export-markdown", f.export_markdown},
        {"--export-csv", f.export_csv},
        {"--export-json", f.export_json}}) {
    if (file.empty()) continue;
    for (const auto& [other_flag, other] : targets) {
      if (std::filesystem::path(other).lexically_normal() ==
          std::filesystem::path(file).lexically_normal()) {
        throw UsageError(other_flag + " and " + flag + " both name " + file +
                         ": give each format its own file");
      }
    }
    targets.emplace_back(flag, file);
  }
  auto sweep = find_sweep_folder(f.dir);
  if (!sweep) {
    throw UsageError(f.dir +
                     " holds no sweep (no plan.json of spanbench sweep in it or a few levels "
                     "below): pass the --out folder of spanbench sweep or merge");
  }
  LeaderboardOptions options;
  options.tracer_descriptions = client_descriptions(global_options().clients_file);
  Leaderboard b = read_leaderboard(*sweep, options);
  std::cout << format_leaderboard_console(b);
  auto write = [](const std::string& file, const std::string& text) {
    if (file.empty()) return;
    write_file_atomically(file, text);
    std::cout << "exported to " << file << "\n";
  };
  write(f.export_markdown, format_leaderboard_markdown(b));
  write(f.export_csv, format_leaderboard_csv(b));
  write(f.export_json, format_leaderboard_json(b));
}

}  // namespace

void add_leaderboard_command(CLI::App& root) {
  auto f = std::make_shared<LeaderboardFlags>();
  auto* cmd = root.add_subcommand(
      "leaderboard",
      "The leaderboard of a sweep folder: a table per rate, a row per client (CPU overhead with "
      "its interval, spans/s, RSS, drops, highest rate held, export latency, machine)");
  cmd->add_option("dir", f->dir,
                  "Folder written by spanbench sweep or merge (or a folder holding one)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--export-markdown", f->export_markdown, "Write the tables as Markdown to FILE")
      ->check(writable_path(false));
  cmd->add_option("--export-csv", f->export_csv,
                  "Write a row per rate and client as CSV to FILE, full precision")
      ->check(writable_path(false));
  cmd->add_option("--export-json", f->export_json,
                  "Write the leaderboard as JSON to FILE (docs/leaderboard.md has its schema)")
      ->check(writable_path(false));
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
