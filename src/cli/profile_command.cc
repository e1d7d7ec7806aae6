#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/validators.h"
#include "core/error.h"
#include "core/file_io.h"
#include "profile/diff.h"
#include "profile/flame_tree.h"
#include "report/flame_graph.h"
#include "report/format.h"
#include "report/profile_report.h"

namespace spanbench::cli {
namespace {
namespace fs = std::filesystem;

struct DiffFlags {
  std::vector<std::string> sets;  // [UNTRACED] TRACED, or one folder holding both
  size_t top = 20;
  std::string svg_file;
  bool no_svg = false;
  std::string export_markdown, export_csv, export_json;
};

struct FlameFlags {
  std::string from;
  std::string svg_file;
};

fs::path folder_of(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) ? p : p.parent_path();
}

// Where the graph goes unless -o says: beside what was compared (the common
// folder of results/x/untraced and results/x/traced, else the traced side's).
fs::path default_svg(const std::vector<std::string>& sets) {
  fs::path traced = folder_of(sets.back()).lexically_normal();
  if (sets.size() == 2) {
    fs::path untraced = folder_of(sets.front()).lexically_normal();
    if (untraced != traced && untraced.parent_path() == traced.parent_path()) {
      traced = traced.parent_path();
    }
  }
  if (traced.empty()) traced = ".";
  return traced / "profile-diff.svg";
}

// The two sides: as given, or the halves of one folder (run --repeat's
// traced/ and untraced/, or a folder holding runs of both kinds).
std::pair<ProfileSet, ProfileSet> load_sides(const std::vector<std::string>& sets) {
  if (sets.size() == 2) return {load_profile_set(sets[0]), load_profile_set(sets[1])};
  const fs::path dir = sets.front();
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    throw UsageError(dir.string() +
                     " does not exist: give two profiles, untraced then traced, "
                     "or one folder holding both");
  }
  if (fs::is_directory(dir / "untraced", ec) && fs::is_directory(dir / "traced", ec)) {
    return {load_profile_set(dir / "untraced"), load_profile_set(dir / "traced")};
  }
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(
        "give two profiles, untraced then traced (run JSONs, .folded files or "
        "folders), or one folder holding both: " +
        dir.string() + " is not a folder");
  }
  ProfileSet both = load_profile_set(dir);
  ProfileSet untraced = runs_with_trace(both, false), traced = runs_with_trace(both, true);
  if (untraced.runs.empty() || traced.runs.empty()) {
    throw UsageError(fmt::format(
        "{} holds {} profiled runs but no {} one: give two profiles, untraced then traced",
        dir.string(), untraced.runs.empty() ? "traced" : "untraced",
        untraced.runs.empty() ? "untraced" : "traced"));
  }
  untraced.label += " (untraced)";
  traced.label += " (traced)";
  return {std::move(untraced), std::move(traced)};
}

void run_diff(const DiffFlags& f) {
  struct Export {
    ExportFormat format;
    std::string file;
  };
  std::vector<Export> exports;
  for (const Export& e :
       {Export{ExportFormat::markdown, f.export_markdown}, Export{ExportFormat::csv, f.export_csv},
        Export{ExportFormat::json, f.export_json}}) {
    if (e.file.empty()) continue;
    for (const auto& other : exports) {
      if (fs::path(other.file).lexically_normal() == fs::path(e.file).lexically_normal()) {
        throw UsageError("two exports name " + e.file + ": give each format its own file");
      }
    }
    exports.push_back(e);
  }
  auto [untraced, traced] = load_sides(f.sets);
  ProfileDiff diff = diff_profiles(untraced, traced);
  std::cout << profile_diff_text(diff, f.top);
  for (const auto& set : {&untraced, &traced}) {
    for (const auto& s : set->skipped) std::cout << "skipped " << set->label << "/" << s << "\n";
  }
  if (!f.no_svg) {
    fs::path svg = f.svg_file.empty() ? default_svg(f.sets) : fs::path(f.svg_file);
    FlameGraphOptions o;
    o.title = "Differential flame graph: " + diff.traced.client;
    o.subtitle = fmt::format("{} ({} runs) against {} ({} runs), {} of a core added",
                             diff.traced.label, diff.traced.runs, diff.untraced.label,
                             diff.untraced.runs, added_core_text(diff.added().core_share));
    write_file_atomically(svg, flame_graph_svg(diff_flame_tree(diff), o));
    std::cout << "differential flame graph written to " << svg.string() << "\n";
  }
  for (const auto& e : exports) {
    write_file_atomically(e.file, serialize_profile_diff(diff, e.format, f.top));
    std::cout << "exported to " << e.file << "\n";
  }
}

void run_flame(const FlameFlags& f) {
  ProfileSet set = load_profile_set(f.from);
  AggregateProfile profile = aggregate_profile(set);
  fs::path svg = f.svg_file.empty() ? folder_of(f.from).lexically_normal() / "profile-flame.svg"
                                    : fs::path(f.svg_file);
  FlameGraphOptions o;
  o.title = "Flame graph: " + profile.client;
  o.subtitle = fmt::format("{} ({} run{}), {} samples a run at {} Hz, {} of a core sampled",
                           profile.label, profile.runs, profile.runs == 1 ? "" : "s",
                           grouped(profile.total.samples_per_run, 0),
                           grouped(profile.frequency_hz, 0), percent(profile.total.core_share, 1));
  write_file_atomically(svg, flame_graph_svg(flame_tree(profile), o));
  std::cout << "flame graph written to " << svg.string() << "\n";
}

}  // namespace

void add_profile_command(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "profile", "Read the sampled profiles of runs made with --profile: where the CPU goes");
  cmd->require_subcommand(1);

  auto d = std::make_shared<DiffFlags>();
  auto* diff = cmd->add_subcommand(
      "diff",
      "Attribute a tracer's extra CPU to functions: untraced against traced profiles, a table "
      "of the frames that gained the most (in % of a core and ns per span) and a differential "
      "flame graph (SVG)");
  diff->add_option("profiles", d->sets,
                   "UNTRACED TRACED: each a run JSON, a .folded file with its run JSON beside "
                   "it, or a folder of runs (run --repeat's DIR/untraced and DIR/traced); or "
                   "one folder holding both (DIR itself)")
      ->required()
      ->expected(1, 2);
  diff->add_option("--top", d->top, "Frames in each table")
      ->check(positive_integer("frames"))
      ->capture_default_str();
  diff->add_option("-o,--output", d->svg_file,
                   "Differential flame graph SVG to write (default: profile-diff.svg beside "
                   "the profiles)")
      ->check(writable_path(false));
  diff->add_flag("--no-svg", d->no_svg, "Write no flame graph");
  diff->add_option("--export-markdown", d->export_markdown, "Write the tables as Markdown")
      ->check(writable_path(false));
  diff->add_option("--export-csv", d->export_csv,
                   "Write every frame's added CPU as CSV (full precision)")
      ->check(writable_path(false));
  diff->add_option("--export-json", d->export_json, "Write the diff as JSON")
      ->check(writable_path(false));
  diff->callback([d] { run_diff(*d); });

  auto fl = std::make_shared<FlameFlags>();
  auto* flame = cmd->add_subcommand(
      "flame", "A flame graph (SVG) of one profile, or of a set of runs averaged");
  flame->add_option("profile", fl->from, "A run JSON, a .folded file or a folder of runs")
      ->required();
  flame
      ->add_option("-o,--output", fl->svg_file,
                   "SVG to write (default: profile-flame.svg beside the profile)")
      ->check(writable_path(false));
  flame->callback([fl] { run_flame(*fl); });
}

}  // namespace spanbench::cli
