#include "report/flame_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/format.h"
#include "report/junit.h"

namespace spanbench {
namespace {

constexpr double kMargin = 10;
constexpr double kHeaderHeight = 76;  // title, subtitle, legend, search box
constexpr double kFooterHeight = 34;  // details of the frame under the pointer, matched share
constexpr double kFrameHeight = 16;
constexpr double kFontPx = 11;
constexpr double kCharPx = 6.7;  // width of a character of the frames' monospace font
const char* const kMatchFill = "rgb(225,0,225)";

// A frame as drawn: where, and what it stands for.
struct DrawnFrame {
  std::string name;
  double x = 0;  // from the left edge of the frames' area
  double width = 0;
  uint32_t depth = 0;
  ProfileCost traced, untraced;
  size_t merged = 0;  // > 0: this stands for that many narrow sibling frames
};

struct Layout {
  std::vector<DrawnFrame> frames;
  uint32_t max_depth = 0;
  bool truncated = false;
  // CPU of frames only in the untraced profile (nothing to draw them with).
  double hidden_untraced_share = 0;
};

void lay_out(const FlameTree& tree, uint32_t id, double x, double scale, const FlameGraphOptions& o,
             Layout& out) {
  const FlameTree::Node& n = tree.nodes[id];
  out.frames.push_back({n.name, x, n.traced.core_share * scale, n.depth, n.traced, n.untraced, 0});
  out.max_depth = std::max(out.max_depth, n.depth);
  DrawnFrame narrow;
  narrow.depth = n.depth + 1;
  double cx = x;
  for (uint32_t c : n.children) {
    const FlameTree::Node& child = tree.nodes[c];
    const double w = child.traced.core_share * scale;
    if (!(w > 0)) {
      out.hidden_untraced_share += child.untraced.core_share;
      continue;
    }
    if (w < o.min_frame_px) {
      narrow.traced += child.traced;
      narrow.untraced += child.untraced;
      ++narrow.merged;
      continue;
    }
    if (out.frames.size() >= o.max_frames) {
      out.truncated = true;
      return;
    }
    lay_out(tree, c, cx, scale, o, out);
    cx += w;
  }
  if (narrow.merged > 0) {
    narrow.width = narrow.traced.core_share * scale;
    if (narrow.width >= o.min_frame_px && out.frames.size() < o.max_frames) {
      narrow.name = narrow.merged == 1 ? "[1 narrow frame]"
                                       : fmt::format("[{} narrow frames]", narrow.merged);
      narrow.x = cx;
      out.max_depth = std::max(out.max_depth, narrow.depth);
      out.frames.push_back(std::move(narrow));
    }
  }
}

// "+12.5" for a gain; a change that rounds to nothing has no sign.
std::string with_sign(const std::string& s, double v) {
  if (s == "n/a" || !(v > 0) || s.find_first_not_of("0.,") == std::string::npos) return s;
  return "+" + s;
}

std::string core_text(double share) { return grouped(share * 100, 2) + "% of a core"; }
std::string ns_text(double seconds) { return readable(seconds * 1e9) + " ns/span"; }

// The tooltip: the name on the first line (the script reads it from there).
std::string tooltip(const FlameTree& tree, const DrawnFrame& f, double total_share) {
  std::string s = f.name;
  if (f.merged > 0) {
    s +=
        fmt::format("\n{} sibling frames, each narrower than can be drawn, shown as one", f.merged);
  }
  auto side = [&](const ProfileCost& c, size_t runs) {
    return fmt::format("{} samples in {} run{} ({} a run), {}, {}", grouped(c.samples), runs,
                       runs == 1 ? "" : "s", readable(c.samples_per_run), core_text(c.core_share),
                       ns_text(c.seconds_per_span));
  };
  if (!tree.differential) {
    s += "\n" + side(f.traced, tree.traced_runs);
    if (total_share > 0) {
      s += fmt::format("\n{} of the profile", percent(f.traced.core_share / total_share, 2));
    }
    return s;
  }
  s += "\ntraced: " + side(f.traced, tree.traced_runs);
  s += "\nuntraced: " + side(f.untraced, tree.untraced_runs);
  const ProfileCost d = f.traced - f.untraced;
  s += fmt::format("\nchange: {} samples a run, {}% of a core, {} ns/span",
                   with_sign(readable(d.samples_per_run), d.samples_per_run),
                   with_sign(grouped(d.core_share * 100, 2), d.core_share),
                   with_sign(readable(d.seconds_per_span * 1e9), d.seconds_per_span));
  return s;
}

// Warm hues by name, so that a function keeps its colour across graphs.
std::string warm_fill(const std::string& name) {
  uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  const double a = double(h & 0xff) / 255, b = double(h >> 8 & 0xff) / 255,
               c = double(h >> 16 & 0xff) / 255;
  return fmt::format("rgb({},{},{})", int(215 + 40 * a), int(70 + 150 * b), int(20 + 50 * c));
}

// Red for added time, blue for removed, pale near no change.
std::string delta_fill(double delta, double max_delta) {
  const double k = max_delta > 0 ? std::clamp(std::fabs(delta) / max_delta, 0.0, 1.0) : 0.0;
  const int strong = int(std::lround(238 - 190 * k));
  if (delta > 0) return fmt::format("rgb(245,{0},{0})", strong);
  if (delta < 0) return fmt::format("rgb({0},{0},245)", strong);
  return "rgb(238,238,238)";
}

std::string label(const std::string& name, double width) {
  const auto fits = size_t(std::max(0.0, (width - 6) / kCharPx));
  if (fits < 3) return "";
  if (name.size() <= fits) return name;
  // Cut on a character boundary of UTF-8.
  size_t cut = fits - 2;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80) --cut;
  return name.substr(0, cut) + "..";
}

std::string text(const std::string& s) { return xml_escape(valid_utf8(s)); }

// Zoom on click, a regex search with the share it matches, details of the
// frame under the pointer. Frames are <g class="f"> with data-x, data-w
// (unzoomed, from the frames' left edge) and data-d (depth); the name is the
// first line of their <title>.
const char* const kScript = R"JS(
(function () {
  "use strict";
  var svg = document.documentElement;
  var X0 = +svg.getAttribute("data-frames-x"), W = +svg.getAttribute("data-frames-width");
  var CHAR = +svg.getAttribute("data-char-width");
  var MATCH = svg.getAttribute("data-match-fill");
  var frames = Array.prototype.slice.call(document.querySelectorAll("g.f"));
  var details = document.getElementById("details");
  var matched = document.getElementById("matched");
  var unzoom = document.getElementById("unzoom");
  var box = document.getElementById("search");
  function num(g, a) { return +g.getAttribute("data-" + a); }
  function nameOf(g) { return g.querySelector("title").textContent.split("\n")[0]; }
  function place(g, x, w) {
    var r = g.querySelector("rect"), t = g.querySelector("text");
    r.setAttribute("x", x.toFixed(2));
    r.setAttribute("width", w.toFixed(2));
    t.setAttribute("x", (x + 3).toFixed(2));
    var fits = Math.floor((w - 6) / CHAR), name = nameOf(g);
    t.textContent = fits < 3 ? "" : name.length <= fits ? name : name.slice(0, fits - 2) + "..";
  }
  function zoom(target) {
    var zx = num(target, "x"), zw = num(target, "w"), zd = num(target, "d"), s = W / zw;
    var eps = 1e-6;
    frames.forEach(function (g) {
      var x = num(g, "x"), w = num(g, "w"), d = num(g, "d");
      if (d < zd && x <= zx + eps && x + w >= zx + zw - eps) {
        g.style.display = "";
        g.classList.add("parent");
        place(g, X0, W);
      } else if (d >= zd && x >= zx - eps && x + w <= zx + zw + eps) {
        g.style.display = "";
        g.classList.remove("parent");
        place(g, X0 + (x - zx) * s, w * s);
      } else {
        g.style.display = "none";
      }
    });
    unzoom.style.display = "";
  }
  function reset() {
    frames.forEach(function (g) {
      g.style.display = "";
      g.classList.remove("parent");
      place(g, X0 + num(g, "x"), num(g, "w"));
    });
    unzoom.style.display = "none";
  }
  function search(pattern) {
    var re = null;
    if (pattern) {
      try { re = new RegExp(pattern); } catch (e) {
        matched.textContent = "not a regular expression: " + pattern;
        return;
      }
    }
    var hits = [];
    frames.forEach(function (g) {
      var hit = re !== null && re.test(nameOf(g));
      g.querySelector("rect").setAttribute("fill", hit ? MATCH : g.getAttribute("data-fill"));
      if (hit) hits.push([num(g, "x"), num(g, "w")]);
    });
    // Matches nested in a match count once: frames nest or are apart.
    hits.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var total = 0, end = -Infinity;
    hits.forEach(function (h) {
      if (h[0] >= end - 1e-6) { total += h[1]; end = h[0] + h[1]; }
    });
    matched.textContent = re === null ? "" :
        "matched " + (100 * total / W).toFixed(1) + "% of the samples drawn (" + hits.length +
        " frame" + (hits.length === 1 ? "" : "s") + ")";
  }
  frames.forEach(function (g) {
    g.addEventListener("click", function (e) { zoom(g); e.stopPropagation(); });
    g.addEventListener("mouseover", function () {
      details.textContent = g.querySelector("title").textContent.split("\n").slice(0, 4).join("; ");
    });
    g.addEventListener("mouseout", function () { details.textContent = ""; });
  });
  unzoom.addEventListener("click", reset);
  if (box) box.addEventListener("input", function () { search(box.value); });
  document.addEventListener("keydown", function (e) {
    if (box && (e.ctrlKey || e.metaKey) && e.key === "f") { e.preventDefault(); box.focus(); }
  });
  svg.setAttribute("data-ready", "1");
})();
)JS";

const char* const kStyle = R"CSS(
text { font-family: monospace; font-size: 11px; fill: #000; }
.title { font-family: sans-serif; font-size: 17px; }
.subtitle, .note, #details, #matched { font-family: sans-serif; font-size: 12px; fill: #333; }
g.f { cursor: pointer; }
g.f:hover rect { stroke: #000; stroke-width: 0.6; }
g.parent rect { opacity: 0.5; }
#unzoom { cursor: pointer; font-family: sans-serif; font-size: 12px; fill: #1558b0; }
)CSS";

}  // namespace

std::string valid_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    if (ok && len > 1) {
      // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
      uint32_t cp = c & (0x7f >> len);
      for (size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
      const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= least[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

std::string flame_graph_svg(const FlameTree& tree, const FlameGraphOptions& o) {
  const double frames_width = o.width_px - 2 * kMargin;
  Layout layout;
  // Widths and colours by share of a core: each run weighs the same however long it ran.
  const double total_share = tree.nodes.empty() ? 0 : tree.root().traced.core_share;
  if (total_share > 0) lay_out(tree, 0, 0, frames_width / total_share, o, layout);
  const double height = kHeaderHeight + (layout.max_depth + 1) * kFrameHeight + kFooterHeight;

  double max_delta = 0;
  for (const auto& f : layout.frames) {
    if (f.depth > 0 || layout.frames.size() == 1) {
      max_delta = std::max(max_delta, std::fabs(f.traced.core_share - f.untraced.core_share));
    }
  }

  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
  s += fmt::format(
      "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" "
      "height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" data-frames-x=\"{2:.0f}\" "
      "data-frames-width=\"{3:.2f}\" data-char-width=\"{4}\" data-match-fill=\"{5}\" "
      "data-differential=\"{6}\">\n",
      o.width_px, height, kMargin, frames_width, kCharPx, kMatchFill, tree.differential ? 1 : 0);
  s += "<title>" + text(o.title) + "</title>\n";
  s += fmt::format("<style><![CDATA[{}]]></style>\n", kStyle);
  s += fmt::format("<rect x=\"0\" y=\"0\" width=\"{:.0f}\" height=\"{:.0f}\" fill=\"#fcfcfc\"/>\n",
                   o.width_px, height);
  s += fmt::format("<text class=\"title\" x=\"{:.0f}\" y=\"24\">{}</text>\n", kMargin,
                   text(o.title));
  if (!o.subtitle.empty()) {
    s += fmt::format("<text class=\"subtitle\" x=\"{:.0f}\" y=\"44\">{}</text>\n", kMargin,
                     text(o.subtitle));
  }
  const std::string legend =
      tree.differential
          ? "Width: CPU of the traced runs. Red: more CPU than untraced, blue: less; the deeper, "
            "the larger the change. Click a frame to zoom, hover for numbers."
          : "Width: CPU (share of a core). Click a frame to zoom, hover for numbers.";
  s += fmt::format("<text class=\"subtitle\" x=\"{:.0f}\" y=\"62\">{}</text>\n", kMargin,
                   text(legend));
  s += fmt::format(
      "<text id=\"unzoom\" x=\"{:.0f}\" y=\"52\" text-anchor=\"end\" "
      "style=\"display:none\">Reset zoom</text>\n",
      o.width_px - kMargin);
  s += fmt::format(
      "<foreignObject x=\"{:.0f}\" y=\"8\" width=\"250\" height=\"26\">"
      "<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search\" type=\"search\" "
      "placeholder=\"search (regular expression)\" style=\"width:240px;font-size:12px\"/>"
      "</foreignObject>\n",
      o.width_px - kMargin - 250);

  s += "<g id=\"frames\">\n";
  const double bottom = kHeaderHeight + layout.max_depth * kFrameHeight;
  for (const auto& f : layout.frames) {
    const double y = bottom - f.depth * kFrameHeight;
    const std::string fill =
        tree.differential ? delta_fill(f.traced.core_share - f.untraced.core_share, max_delta)
                          : warm_fill(f.name);
    s += fmt::format(
        "<g class=\"f\" data-x=\"{:.3f}\" data-w=\"{:.3f}\" data-d=\"{}\" data-fill=\"{}\">"
        "<title>{}</title><rect x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.1f}\" "
        "rx=\"2\" fill=\"{}\"/><text x=\"{:.2f}\" y=\"{:.1f}\">{}</text></g>\n",
        f.x, f.width, f.depth, fill, text(tooltip(tree, f, total_share)), kMargin + f.x, y, f.width,
        kFrameHeight - 1, fill, kMargin + f.x + 3, y + kFrameHeight - 4.5,
        text(label(f.name, f.width)));
  }
  s += "</g>\n";

  std::string note;
  if (total_share <= 0) note = "no samples to draw";
  if (layout.truncated) {
    note = fmt::format("only the first {} frames are drawn", grouped(int64_t(o.max_frames)));
  }
  if (tree.differential && layout.hidden_untraced_share > 0 &&
      tree.root().untraced.core_share > 0) {
    note += std::string(note.empty() ? "" : "; ") +
            fmt::format("frames only in the untraced profile ({} of its CPU) have no width here",
                        percent(layout.hidden_untraced_share / tree.root().untraced.core_share, 1));
  }
  const double footer = kHeaderHeight + (layout.max_depth + 1) * kFrameHeight;
  if (!note.empty()) {
    s += fmt::format("<text class=\"note\" x=\"{:.0f}\" y=\"{:.0f}\">{}</text>\n", kMargin,
                     footer + 14, text(note));
  }
  s +=
      fmt::format("<text id=\"details\" x=\"{:.0f}\" y=\"{:.0f}\"></text>\n", kMargin, footer + 28);
  s += fmt::format("<text id=\"matched\" x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\"></text>\n",
                   o.width_px - kMargin, footer + 14);
  s += fmt::format("<script type=\"text/ecmascript\"><![CDATA[{}]]></script>\n", kScript);
  s += "</svg>\n";
  return s;
}

namespace {

// Values in millionths of a core: d3-flame-graph wants numbers of one unit
// for widths and changes, and shares keep runs of different lengths equal.
constexpr double kJsonUnitsPerCore = 1e6;

nlohmann::json cost_node(const std::string& name, const ProfileCost& traced,
                         const ProfileCost& untraced, bool differential) {
  nlohmann::json j = {{"name", valid_utf8(name)},
                      {"value", std::round(traced.core_share * kJsonUnitsPerCore)},
                      {"samples", traced.samples},
                      {"core", traced.core_share * 100}};
  if (differential) {
    const ProfileCost d = traced - untraced;
    j["delta"] = std::round(d.core_share * kJsonUnitsPerCore);
    j["delta_core"] = d.core_share * 100;
    j["delta_ns"] = std::isfinite(d.seconds_per_span) ? nlohmann::json(d.seconds_per_span * 1e9)
                                                      : nlohmann::json(nullptr);
  }
  return j;
}

nlohmann::json json_node(const FlameTree& tree, uint32_t id, double min_share) {
  const FlameTree::Node& n = tree.nodes[id];
  nlohmann::json j = cost_node(n.name, n.traced, n.untraced, tree.differential);
  nlohmann::json children = nlohmann::json::array();
  ProfileCost narrow_traced, narrow_untraced;
  size_t narrow = 0;
  for (uint32_t c : n.children) {
    const FlameTree::Node& child = tree.nodes[c];
    if (!(child.traced.core_share > 0)) continue;
    if (child.traced.core_share < min_share) {
      narrow_traced += child.traced;
      narrow_untraced += child.untraced;
      ++narrow;
      continue;
    }
    children.push_back(json_node(tree, c, min_share));
  }
  if (narrow > 0) {
    children.push_back(cost_node(fmt::format("[{} narrow frame{}]", narrow, narrow == 1 ? "" : "s"),
                                 narrow_traced, narrow_untraced, tree.differential));
  }
  if (!children.empty()) j["children"] = std::move(children);
  return j;
}

}  // namespace

nlohmann::json flame_graph_json(const FlameTree& tree, double min_share) {
  if (tree.nodes.empty()) return {{"name", "all"}, {"value", 0}, {"samples", 0}, {"core", 0}};
  return json_node(tree, 0, tree.root().traced.core_share * min_share);
}

}  // namespace spanbench
