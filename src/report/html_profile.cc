#include "report/html_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/file_io.h"
#include "profile/diff.h"
#include "profile/flame_tree.h"
#include "report/flame_graph.h"
#include "report/format.h"
#include "report/html.h"
#include "report/profile_report.h"

namespace spanbench {
namespace fs = std::filesystem;

namespace {

constexpr const char* kBundleFile = "d3-flamegraph-bundle.min.js";
constexpr const char* kCssFile = "d3-flamegraph.css";
constexpr size_t kTopFrames = 10;

bool has_bundle(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / kBundleFile, ec);
}

// A change of CPU share in points: "+1.23".
std::string points_text(double share) {
  std::string s = added_core_text(share);
  return s.substr(0, s.size() - 1);
}

// A traced side against an untraced one, found in the folder.
struct ProfilePair {
  std::string title;
  ProfileSet untraced, traced;
};

// Where the folder's profiles are, and which could not be read.
struct FoundProfiles {
  std::vector<ProfilePair> pairs;
  std::vector<std::string> problems;
  std::vector<std::string> inputs;
};

std::string relative_text(const fs::path& p, const fs::path& dir) {
  std::string rel = fs::relative(p, dir).generic_string();
  return rel.empty() || rel == "." ? "./" : rel;
}

FoundProfiles find_profiles(const fs::path& dir) {
  FoundProfiles found;
  // Folders that hold folded stacks: only those can hold profiled runs.
  std::set<fs::path> folders;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->path().extension() == ".folded" && it->is_regular_file()) {
      folders.insert(it->path().parent_path());
    }
  }
  std::map<fs::path, ProfileSet> sets;
  for (const auto& f : folders) {
    try {
      ProfileSet set = load_profile_folder(f);
      set.label = relative_text(f, dir);
      for (const auto& r : set.runs) {
        found.inputs.push_back(fs::relative(r.folded_file, dir).generic_string());
      }
      if (!set.runs.empty()) sets[f] = std::move(set);
    } catch (const Error& e) {
      found.problems.push_back(
          fmt::format("the profiles in {} could not be read: {}", relative_text(f, dir), e.what()));
    }
  }
  for (const auto& [folder, set] : sets) {
    ProfileSet untraced = runs_with_trace(set, false);
    if (folder.filename() == "untraced" && !untraced.runs.empty()) {
      for (const auto& [other, other_set] : sets) {
        if (other == folder || other.parent_path() != folder.parent_path()) continue;
        ProfileSet traced = runs_with_trace(other_set, true);
        if (traced.runs.empty()) continue;
        found.pairs.push_back(
            {fmt::format("{}: {} against untraced", relative_text(folder.parent_path(), dir),
                         other.filename().string()),
             untraced, std::move(traced)});
      }
      continue;
    }
    ProfileSet traced = runs_with_trace(set, true);
    if (!untraced.runs.empty() && !traced.runs.empty()) {
      found.pairs.push_back({fmt::format("{}: traced against untraced", relative_text(folder, dir)),
                             std::move(untraced), std::move(traced)});
    }
  }
  return found;
}

std::string frame_table(const ProfileDiff& d, FrameCostKind kind) {
  std::string s = fmt::format(
      "<table class=\"frames\">\n<thead><tr><th>added CPU</th><th>added ns/span</th><th>traced "
      "samples a run</th><th>untraced samples a run</th><th>frame, {}</th></tr></thead>\n"
      "<tbody>\n",
      kind == FrameCostKind::self ? "by its own time (self)" : "with what it calls (total)");
  for (const FrameDelta* f : d.top(kind, kTopFrames)) {
    const ProfileCost& u = kind == FrameCostKind::self ? f->untraced_self : f->untraced_total;
    const ProfileCost& t = kind == FrameCostKind::self ? f->traced_self : f->traced_total;
    const ProfileCost a = t - u;
    const bool noise = d.is_noise(u, t);
    s += fmt::format(
        "<tr{}><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td><code>{}</code></td></tr>\n",
        noise ? " class=\"noise\"" : "", noise ? "~ " : "",
        html_escape(added_core_text(a.core_share)), html_escape(added_ns_text(a.seconds_per_span)),
        html_escape(readable(t.samples_per_run)), html_escape(readable(u.samples_per_run)),
        html_escape(valid_utf8(f->name)));
  }
  return s + "</tbody></table>\n";
}

// JSON that may sit inside <script>: no '<' to end the element early.
std::string script_json(const nlohmann::json& j) {
  std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pair_section(const ProfilePair& p, size_t index, bool interactive,
                         ProfileSectionHtml& out) {
  ProfileDiff d = diff_profiles(p.untraced, p.traced);
  const ProfileCost added = d.added();
  const double measured = d.traced.measured_cpu_share - d.untraced.measured_cpu_share;
  std::string s = fmt::format("<h3>Where the CPU goes: {}</h3>\n", html_escape(p.title));
  s += fmt::format(
      "<p>{} traced and {} untraced run{} of {}, sampled at {} Hz: the traced runs used "
      "<strong>{} of a core, {} ns per span</strong> more CPU in their samples (the harness "
      "measured {} points).</p>\n",
      d.traced.runs, d.untraced.runs, d.untraced.runs == 1 ? "" : "s",
      html_escape(d.traced.client.empty() ? "an unnamed client" : d.traced.client),
      html_escape(readable(d.traced.frequency_hz)), html_escape(added_core_text(added.core_share)),
      html_escape(added_ns_text(added.seconds_per_span)), html_escape(points_text(measured)));
  if (!d.mismatches.empty()) {
    std::string list;
    for (const auto& m : d.mismatches) list += (list.empty() ? "" : "; ") + m;
    s += "<p class=\"warning\">The two sides differ (" + html_escape(list) +
         "): the diff mixes their effects.</p>\n";
  }
  for (const auto& a : {&d.untraced, &d.traced}) {
    for (const auto& note : a->notes) {
      s += fmt::format("<p class=\"note\">{}: {}</p>\n", html_escape(a->label), html_escape(note));
    }
  }
  s += "<div class=\"frame-tables\">\n" + frame_table(d, FrameCostKind::self) +
       frame_table(d, FrameCostKind::total) + "</div>\n";
  s += "<p class=\"note\">~ marks a change within sampling noise (under two standard errors of "
       "the sample counts).</p>\n";

  const FlameTree tree = diff_flame_tree(d);
  FlameGraphOptions o;
  o.title = "Differential flame graph: " + p.title;
  o.width_px = 1160;
  const std::string svg = flame_graph_svg(tree, o);
  s += fmt::format("<figure class=\"flame\" data-flame=\"{}\" data-rendered=\"0\">\n", index);
  if (interactive) {
    s += "<div class=\"flame-controls\"><input type=\"search\" class=\"flame-search\" "
         "placeholder=\"search frames (regular expression)\" aria-label=\"search frames\"> "
         "<button type=\"button\" class=\"flame-reset\">Reset zoom</button> <span "
         "class=\"flame-details note\"></span></div>\n<div class=\"flame-chart\"></div>\n";
    s += "<script type=\"application/json\" class=\"flame-data\">" +
         script_json(flame_graph_json(tree)) + "</script>\n";
    ++out.flame_graphs;
  }
  s += "<div class=\"flame-fallback\">\n";
  s += interactive ? "<p class=\"note\">The static flame graph (the interactive one needs "
                     "JavaScript).</p>\n"
                   : "<p class=\"note\">The interactive flame graph needs d3-flame-graph, which "
                     "this spanbench did not find (scripts/install-deps.sh runs npm ci in "
                     "src/report/web; installed, it is in share/spanbench/web): the static flame "
                     "graph instead. <code>spanbench profile diff</code> writes it as an SVG that "
                     "zooms and searches on its own.</p>\n";
  s += fmt::format(
      "<img alt=\"differential flame graph of {0}\" src=\"data:image/svg+xml;base64,{1}\" "
      "onload=\"spanbenchCheckImages()\" onerror=\"spanbenchCheckImages()\">\n</div>\n",
      html_escape(p.title), base64_encode(svg));
  ++out.images;
  s += "<figcaption>Each frame's width is its CPU in the traced runs; red: more CPU than in the "
       "untraced runs, blue: less, the deeper the larger the change for its size (orange in the "
       "interactive graph: only in the traced runs). Hover for the numbers, click to "
       "zoom.</figcaption>\n</figure>\n";
  return s;
}

const char* kFlameStyle = R"(
.frame-tables { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.frame-tables table { width: 100%; } tr.noise td { color: #888; }
figure.flame { border: 1px solid #eee; padding: 0.5em; }
.flame-controls { margin-bottom: 0.4em; } .flame-search { width: 22em; }
.flame-chart { width: 100%; overflow: hidden; }
)";

// Counts script errors (read by the report's browser test) before any other script runs.
const char* kErrorWatch = R"(
window.spanbenchScriptErrors = [];
window.addEventListener("error", function (e) {
  window.spanbenchScriptErrors.push(String(e.message || e));
});
)";

// Draws each figure.flame from its JSON with d3-flame-graph; on success hides
// the static fallback; writes "N of M flame graphs rendered" into #flame-check.
const char* kFlameScript = R"(
function spanbenchDrawFlameGraphs() {
  var figures = Array.prototype.slice.call(document.querySelectorAll("figure.flame"));
  var drawn = 0, expected = 0;
  figures.forEach(function (fig) {
    var data = fig.querySelector("script.flame-data");
    if (!data) return;
    expected++;
    var details = fig.querySelector(".flame-details");
    try {
      if (typeof flamegraph === "undefined" || typeof d3 === "undefined") {
        throw new Error("d3-flame-graph did not load");
      }
      var el = fig.querySelector(".flame-chart");
      var chart = flamegraph.default()
          .width(Math.max(400, Math.floor(el.getBoundingClientRect().width)))
          .cellHeight(16)
          .minFrameSize(1)
          .transitionDuration(250)
          .title("")
          .sort(true)
          .setColorMapper(flamegraph.colorMapper.differentialColorMapper)
          .setLabelHandler(function (d) {
            var x = d.data;
            var s = x.name + "\n" + x.samples + " samples in the traced runs, " + x.core.toFixed(2) +
                "% of a core";
            if (typeof x.delta_core === "number") {
              s += "\nchange: " + (x.delta_core > 0 ? "+" : "") + x.delta_core.toFixed(2) + "% of a core";
              if (typeof x.delta_ns === "number") {
                s += ", " + (x.delta_ns > 0 ? "+" : "") + x.delta_ns.toFixed(1) + " ns/span";
              }
            }
            return s;
          })
          .setSearchHandler(function (results, sum, total) {
            details.textContent = total > 0 && results.length ?
                "matched " + (100 * sum / total).toFixed(1) + "% of the traced CPU" : "";
          });
      d3.select(el).datum(JSON.parse(data.textContent)).call(chart);
      var box = fig.querySelector(".flame-search");
      box.addEventListener("input", function () {
        try {
          if (box.value) { chart.search(box.value); } else { chart.clear(); details.textContent = ""; }
        } catch (e) {
          details.textContent = "not a regular expression: " + box.value;
        }
      });
      fig.querySelector(".flame-reset").addEventListener("click", function () { chart.resetZoom(); });
      if (el.querySelectorAll("rect").length === 0) throw new Error("no frames were drawn");
      fig.querySelector(".flame-fallback").style.display = "none";
      fig.dataset.rendered = "1";
      drawn++;
    } catch (e) {
      fig.dataset.rendered = "0";
      details.textContent = "The interactive flame graph failed (" + e.message + "); the static one is below.";
    }
  });
  var check = document.getElementById("flame-check");
  if (check) {
    check.dataset.expected = String(expected);
    check.dataset.rendered = String(drawn);
    check.dataset.errors = String(window.spanbenchScriptErrors.length);
    check.textContent = drawn + " of " + expected + " flame graphs rendered, " +
        window.spanbenchScriptErrors.length + " script errors" +
        (window.spanbenchScriptErrors.length ? ": " + window.spanbenchScriptErrors.join("; ") : "");
  }
}
window.addEventListener("load", spanbenchDrawFlameGraphs);
)";

// A file's text as it may sit inside <script> or <style>.
std::string inline_text(const fs::path& file, const char* end_tag) {
  std::string text = read_file(file);
  const std::string tag = std::string("</") + end_tag;
  for (size_t p = text.find(tag); p != std::string::npos; p = text.find(tag, p + 2)) {
    text.replace(p, 2, "<\\/");
  }
  return text;
}

}  // namespace

fs::path find_report_web_dir() {
  if (const char* env = std::getenv("SPANBENCH_WEB_DIR"); env != nullptr) return env;
  std::vector<fs::path> candidates;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back((self.parent_path() / SPANBENCH_DATA_FROM_BIN / "web").lexically_normal());
  }
  candidates.push_back(fs::path(SPANBENCH_INSTALL_DATA_DIR) / "web");
  for (const auto& c : candidates) {
    if (has_bundle(c)) return c;
  }
  return {};
}

bool is_profile_graph_file(const fs::path& file) {
  const std::string name = file.filename().string();
  return file.extension() == ".svg" && (name == "profile-diff.svg" || name == "profile-flame.svg");
}

ProfileSectionHtml profile_report_section(const fs::path& dir, const fs::path& web_dir) {
  ProfileSectionHtml out;
  FoundProfiles found = find_profiles(dir);
  out.inputs = std::move(found.inputs);
  const bool interactive = has_bundle(web_dir);
  size_t index = 0;
  for (const auto& p : found.pairs) {
    try {
      out.body += pair_section(p, ++index, interactive, out);
    } catch (const Error& e) {
      out.body += fmt::format("<h3>Where the CPU goes: {}</h3>\n<p class=\"note\">{}</p>\n",
                              html_escape(p.title), html_escape(e.what()));
    }
  }
  for (const auto& problem : found.problems) {
    out.body += "<p class=\"warning\">" + html_escape(problem) + "</p>\n";
  }
  if (out.body.empty()) return out;
  out.body = "<p id=\"flame-check\" class=\"note\" data-expected=\"" +
             std::to_string(out.flame_graphs) +
             "\" data-rendered=\"0\">flame graphs not drawn yet</p>\n" + out.body;
  out.head = fmt::format("<style>{}</style>\n", kFlameStyle);
  if (out.flame_graphs > 0) {
    std::error_code ec;
    std::string css;
    if (fs::is_regular_file(web_dir / kCssFile, ec)) css = inline_text(web_dir / kCssFile, "style");
    out.head += fmt::format("<style>{}</style>\n<script>{}</script>\n<script>{}</script>\n", css,
                            kErrorWatch, inline_text(web_dir / kBundleFile, "script"));
    out.head += fmt::format("<script>{}</script>\n", kFlameScript);
  }
  return out;
}

}  // namespace spanbench
