#pragma once

#include <CLI/CLI.hpp>

namespace spanbench::cli {

// Each subcommand lives in its own file and registers itself on the root
// app. Its callback does the work; errors are thrown as spanbench::Error
// (exit 1) or spanbench::UsageError (exit 2) and printed by main, in one place.
void add_clients_command(CLI::App& root);
void add_calibrate_command(CLI::App& root);
void add_run_command(CLI::App& root);
void add_satellite_command(CLI::App& root);
void add_check_command(CLI::App& root);
void add_regress_command(CLI::App& root);
void add_graph_command(CLI::App& root);
void add_report_command(CLI::App& root);
void add_compare_command(CLI::App& root);
void add_leaderboard_command(CLI::App& root);
void add_profile_command(CLI::App& root);
void add_sweep_command(CLI::App& root);
void add_merge_command(CLI::App& root);

// Shared options every command has (set by main before callbacks run).
struct GlobalOptions {
  std::string clients_file;  // empty: find_client_registry's lookup
  std::string log_dir = "logs";
};
GlobalOptions& global_options();

}  // namespace spanbench::cli
