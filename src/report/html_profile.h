#pragma once

// The HTML report's profiles (report/html.h): for each pair of profiled
// untraced and traced runs in a results folder, where the added CPU went,
// as tables of the top frames and a flame graph, interactive with
// d3-flame-graph when its scripts are at hand, else (and without
// JavaScript) the static SVG of report/flame_graph.h.

#include <filesystem>
#include <string>
#include <vector>

namespace spanbench {

// The folder of the report's flame graph scripts (d3-flamegraph-bundle.min.js
// and d3-flamegraph.css, made by cmake/web_bundle.cmake): $SPANBENCH_WEB_DIR
// when set, else share/spanbench/web beside this program's bin/ folder (a
// build tree has one too), else the installed one; empty when none has them.
std::filesystem::path find_report_web_dir();

struct ProfileSectionHtml {
  std::string head;                 // styles and scripts for <head>, once
  std::string body;                 // a subsection per pair
  std::vector<std::string> inputs;  // the files read, relative to the folder
  size_t images = 0;                // <img> elements (static flame graphs)
  size_t flame_graphs = 0;          // interactive flame graphs to draw
};

// The profiled pairs under `dir`: a folder with untraced/ and a sibling of
// traced runs (run --repeat's halves, a sweep group's untraced/ and
// typical/ ...), or a folder holding profiled runs of both kinds. A pair
// whose profiles cannot be read gets a note instead. Empty when there is
// none. `web_dir` as find_report_web_dir() gives (empty: static graphs only).
ProfileSectionHtml profile_report_section(const std::filesystem::path& dir,
                                          const std::filesystem::path& web_dir);

// The flame graph SVGs `spanbench profile` writes beside profiles
// (profile-diff.svg, profile-flame.svg): the profile section shows them, so
// the report's list of graphs leaves them out.
bool is_profile_graph_file(const std::filesystem::path& file);

}  // namespace spanbench
