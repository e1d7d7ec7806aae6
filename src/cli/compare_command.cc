#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "report/json_reporter.h"
#include "suites/compare.h"

namespace spanbench::cli {
namespace {

struct CompareFlags {
  std::string base;
  std::string next;
  double alpha = 0.05;
  std::string json_file;
  bool fail_on_change = false;
};

void run(const CompareFlags& f) {
  ResultSet base = load_result_set(f.base);
  ResultSet next = load_result_set(f.next);
  Comparison c = compare_result_sets(base, next, f.alpha);
  std::cout << format_comparison(c);
  if (!f.json_file.empty()) {
    write_json_file(to_json(c), f.json_file);
    std::cout << "comparison written to " << f.json_file << "\n";
  }
  if (f.fail_on_change && c.any_significant()) {
    throw Error(
        fmt::format("{} differs significantly from {} (alpha {:g})", f.next, f.base, f.alpha));
  }
}

}  // namespace

void add_compare_command(CLI::App& root) {
  auto f = std::make_shared<CompareFlags>();
  auto* cmd = root.add_subcommand(
      "compare",
      "Compare two sets of repeated runs (medians, change, Mann-Whitney U test) and flag "
      "significant changes");
  cmd->add_option("base", f->base,
                  "Base set: a folder of result JSON files (run --repeat N --out DIR gives "
                  "DIR/traced and DIR/untraced) or a JSON-lines file")
      ->required();
  cmd->add_option("new", f->next, "New set, in the same forms")->required();
  cmd->add_option("--alpha", f->alpha, "Significance level of the test")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--json", f->json_file, "Also write the comparison as JSON to FILE");
  cmd->add_flag("--fail-on-change", f->fail_on_change,
                "Exit 1 when any metric changed significantly");
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
