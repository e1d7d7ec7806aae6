#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/validators.h"
#include "core/file_io.h"
#include "report/html.h"
#include "report/junit.h"
#include "report/leaderboard.h"

namespace spanbench::cli {
namespace {

struct ReportFlags {
  std::string dir;
  std::string output;
};

void run(const ReportFlags& f) {
  std::filesystem::path out = f.output.empty() ? std::filesystem::path(f.dir) / "report.html"
                                               : std::filesystem::path(f.output);
  ReportContext context = current_report_context();
  context.tracer_descriptions = client_descriptions(global_options().clients_file);
  write_file_atomically(out, html_report(f.dir, context));
  std::cout << "report written to " << out.string() << "\n";
}

}  // namespace

void add_report_command(CLI::App& root) {
  auto f = std::make_shared<ReportFlags>();
  auto* cmd = root.add_subcommand(
      "report",
      "One self-contained HTML page of the graphs, tables and checks in a results folder");
  cmd->add_option("dir", f->dir, "Folder written by graph, regress, run --repeat, sweep or merge")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--output", f->output, "HTML file to write (default: DIR/report.html)")
      ->check(writable_path(false));
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
