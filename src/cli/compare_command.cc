#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/validators.h"
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
  bool force = false;
  bool allow_noise = false;
};

void run(const CompareFlags& f) {
  ResultSet base = load_result_set(f.base);
  ResultSet next = load_result_set(f.next);
  Comparison c = compare_result_sets(base, next, f.alpha, f.allow_noise);
  if (!c.settings_differences.empty() && !f.force) {
    std::string list;
    for (const auto& d : c.settings_differences) list += (list.empty() ? "" : "; ") + d;
    throw UsageError(fmt::format(
        "{} and {} were run with different settings ({}): compare like with like, or pass "
        "--force to compare them anyway",
        f.base, f.next, list));
  }
  std::cout << format_comparison(c);
  if (!f.json_file.empty()) {
    write_json_file(to_json(c), f.json_file);
    std::cout << "comparison written to " << f.json_file << "\n";
  }
  if (c.noisy()) throw NoisyVerdict("no verdict: " + c.noise_text());
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
      "Compare two sets of repeated runs (medians, change, Hodges-Lehmann shift with its "
      "confidence interval, Mann-Whitney U test) and flag significant changes");
  cmd->footer(
      "Exit codes: 0 compared; 1 with --fail-on-change, a significant change; 2 usage error, "
      "or settings that differ (without --force); 3 noisy: no verdict, because runs were "
      "disturbed (without --allow-noise) or traced runs used less CPU than untraced beyond the "
      "interval; 130 interrupted.");
  cmd->add_option("base", f->base,
                  "Base set: a folder of result JSON files (run --repeat N --out DIR gives "
                  "DIR/traced and DIR/untraced) or a JSON-lines file")
      ->required();
  cmd->add_option("new", f->next, "New set, in the same forms")->required();
  cmd->add_option("--alpha", f->alpha, "Significance level of the test")
      ->check(between(0, 1))
      ->capture_default_str();
  cmd->add_option("--json", f->json_file, "Also write the comparison as JSON to FILE")
      ->check(writable_path(false));
  cmd->add_flag("--fail-on-change", f->fail_on_change,
                "Exit 1 when any metric changed significantly");
  cmd->add_flag("--force", f->force,
                "Compare sets whose settings differ (span shape, rate, runtime, ...); the "
                "differences are flagged in the output");
  cmd->add_flag(
      "--allow-noise", f->allow_noise,
      "Give a verdict even when runs were disturbed by other load (they are still named)");
  cmd->callback([f] { run(*f); });
}

}  // namespace spanbench::cli
