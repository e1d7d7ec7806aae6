#pragma once

// Flame graphs of sampled profiles (profile/flame_tree.h): a self-contained
// SVG file (frames, tooltips, click-to-zoom and a regex search in a small
// embedded script; no network), and the JSON tree d3-flame-graph draws in
// the HTML report.

#include <nlohmann/json.hpp>
#include <string>

#include "profile/flame_tree.h"

namespace spanbench {

struct FlameGraphOptions {
  std::string title = "Flame graph";
  std::string subtitle;  // one line under the title, may be empty
  double width_px = 1200;
  // Sibling frames narrower than this are drawn as one "[N narrow frames]"
  // frame (and dropped when that is narrower still), so the file's size is
  // bounded by its width, not by the profile's.
  double min_frame_px = 0.5;
  size_t max_frames = 20000;  // drawn at most; the rest is left out, and the graph says so
};

// The SVG document. A plain flame graph colours frames in warm hues by
// name; a differential one (tree.differential) draws the traced profile's
// widths and colours each frame by its change: red where the traced runs
// spent more time in it, blue where less, deeper the larger the change.
std::string flame_graph_svg(const FlameTree& tree, const FlameGraphOptions& options);

// The tree as d3-flame-graph reads it: {"name", "value" (the drawn
// profile's CPU in millionths of a core), "samples" (its samples over all
// its runs), "core" (its CPU in % of a core), "children"}, and in a
// differential tree "delta" (the inclusive change in millionths of a core),
// "delta_core" (in % of a core) and "delta_ns" (in ns per span). Frames
// under `min_share` of the root are merged as in the SVG.
nlohmann::json flame_graph_json(const FlameTree& tree, double min_share = 0.0005);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD, so that any
// frame name can go into an XML or JSON document.
std::string valid_utf8(const std::string& text);

}  // namespace spanbench
