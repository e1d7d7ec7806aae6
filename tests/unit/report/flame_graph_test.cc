// Flame graph SVGs (well-formed XML as Python's parser reads it, names
// escaped, the zoom and search script present, size bounded however many
// frames), the d3-flame-graph tree, and the profile diff's console text and
// exports.
#include "report/flame_graph.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "report/csv.h"
#include "report/profile_report.h"

namespace spanbench {
namespace {
namespace fs = std::filesystem;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

RunProfile run(bool trace, const std::string& folded, double loop_seconds = 10,
               int64_t spans = 10000) {
  RunProfile r;
  r.name = trace ? "traced.json" : "untraced.json";
  r.client = "cpp-mock";
  r.trace = trace;
  r.frequency_hz = 100;
  r.loop_seconds = loop_seconds;
  r.loop_cpu_seconds = 0.7 * loop_seconds;
  r.spans_sent = spans;
  r.stacks = parse_folded(folded, r.name);
  return r;
}

ProfileSet set_of(const std::string& label, std::vector<RunProfile> runs) {
  ProfileSet s;
  s.label = label;
  s.runs = std::move(runs);
  return s;
}

const char* kUntraced =
    "main;loop;std::vector<int>::push_back(int&&) 300\nmain;loop;work 300\nmain;old 40\n";
const char* kTraced =
    "main;loop;std::vector<int>::push_back(int&&) 300\nmain;loop;work 300\n"
    "main;loop;Tracer::finish<\"span\" & 'x'>;hot_burn 200\n";

ProfileDiff sample_diff() {
  return diff_profiles(set_of("u", {run(false, kUntraced)}), set_of("t", {run(true, kTraced)}));
}

// Parses `svg` with Python's XML parser; returns its message when it fails.
std::string xml_parse_error(const std::string& svg, const std::string& name) {
  auto file = fs::temp_directory_path() / fmt::format("spanbench-flame-{}-{}.svg", getpid(), name);
  std::ofstream(file, std::ios::binary) << svg;
  std::string cmd = fmt::format(
      "python3 -c 'import sys, xml.etree.ElementTree as E; "
      "r = E.parse(sys.argv[1]).getroot(); "
      "assert r.tag == \"{{http://www.w3.org/2000/svg}}svg\", r.tag; "
      "assert r.find(\"{{http://www.w3.org/2000/svg}}script\") is not None' {} 2>&1",
      file.string());
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "could not run python3";
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  int status = pclose(p);
  fs::remove(file);
  return status == 0 ? "" : out.empty() ? "python3 failed" : out;
}

TEST(FlameGraphSvg, DifferentialIsWellFormedEscapedAndColouredByChange) {
  ProfileDiff d = sample_diff();
  FlameGraphOptions o;
  o.title = "diff of <cpp-mock> & co";
  std::string svg = flame_graph_svg(diff_flame_tree(d), o);
  EXPECT_EQ(xml_parse_error(svg, "diff"), "");
  // C++ names escaped, never raw.
  EXPECT_NE(svg.find("std::vector&lt;int&gt;::push_back(int&amp;&amp;)"), std::string::npos);
  EXPECT_EQ(svg.find("vector<int>"), std::string::npos);
  EXPECT_NE(svg.find("Tracer::finish&lt;&quot;span&quot; &amp; &apos;x&apos;&gt;"),
            std::string::npos);
  EXPECT_NE(svg.find("diff of &lt;cpp-mock&gt; &amp; co"), std::string::npos);
  // Zoom and search: the script, the search box, the matched-share line.
  EXPECT_NE(svg.find("<script type=\"text/ecmascript\"><![CDATA["), std::string::npos);
  EXPECT_NE(svg.find("new RegExp(pattern)"), std::string::npos);
  EXPECT_NE(svg.find("id=\"search\""), std::string::npos);
  EXPECT_NE(svg.find("id=\"matched\""), std::string::npos);
  EXPECT_NE(svg.find("function zoom("), std::string::npos);
  // all, main, loop, push_back, work, finish, hot_burn (old has no traced width).
  EXPECT_EQ(count(svg, "<g class=\"f\""), 7u);
  EXPECT_NE(svg.find("frames only in the untraced profile"), std::string::npos);
  // hot_burn is new: the deepest red; push_back unchanged: grey.
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(svg, m, std::regex(R"re(data-fill="([^"]+)"><title>hot_burn\n)re")));
  EXPECT_EQ(m[1].str(), "rgb(245,48,48)");
  ASSERT_TRUE(std::regex_search(svg, m, std::regex(R"re(data-fill="([^"]+)"><title>work\n)re")));
  EXPECT_EQ(m[1].str(), "rgb(238,238,238)");
  // Its tooltip: samples and the change in % of a core and ns per span.
  EXPECT_NE(svg.find("<title>hot_burn\ntraced: 200 samples in 1 run (200 a run), 20.00% of a "
                     "core, 200,000 ns/span"),
            std::string::npos);
  EXPECT_NE(svg.find("change: +200 samples a run, +20.00% of a core, +200,000 ns/span"),
            std::string::npos);
  // main lost "old" (40) and gained hot_burn (200): +160, paler red than hot_burn.
  ASSERT_TRUE(std::regex_search(
      svg, m, std::regex(R"re(data-fill="rgb\(245,(\d+),\d+\)"><title>main\n)re")));
  EXPECT_GT(std::stoi(m[1].str()), 48);
}

TEST(FlameGraphSvg, PlainGraphAndEmptyProfile) {
  auto profile = aggregate_profile(set_of("t", {run(true, kTraced)}));
  std::string svg = flame_graph_svg(flame_tree(profile), {});
  EXPECT_EQ(xml_parse_error(svg, "plain"), "");
  EXPECT_NE(svg.find("data-differential=\"0\""), std::string::npos);
  EXPECT_NE(svg.find("of the profile"), std::string::npos);
  EXPECT_EQ(svg.find("untraced"), std::string::npos);

  FlameTree empty;
  empty.nodes.push_back({});
  empty.nodes[0].name = "all";
  std::string none = flame_graph_svg(empty, {});
  EXPECT_EQ(xml_parse_error(none, "empty"), "");
  EXPECT_NE(none.find("no samples to draw"), std::string::npos);
}

TEST(FlameGraphSvg, ManyNarrowFramesAreMergedSoTheSizeIsBounded) {
  std::string folded;
  for (int i = 0; i < 50000; ++i) folded += fmt::format("main;f{};g{} 1\n", i, i);
  folded += "main;big 50000\n";
  auto profile = aggregate_profile(set_of("t", {run(true, folded)}));
  std::string svg = flame_graph_svg(flame_tree(profile), {});
  EXPECT_LT(svg.size(), 200'000u);
  EXPECT_EQ(count(svg, "<g class=\"f\""), 4u);  // all, main, big, the merged 50,000
  EXPECT_NE(svg.find("[50000 narrow frames]"), std::string::npos);
  EXPECT_EQ(xml_parse_error(svg, "narrow"), "");

  FlameGraphOptions few;
  few.max_frames = 2;
  std::string cut = flame_graph_svg(flame_tree(profile), few);
  EXPECT_EQ(count(cut, "<g class=\"f\""), 2u);
  EXPECT_NE(cut.find("only the first 2 frames are drawn"), std::string::npos);
}

TEST(FlameGraphSvg, InvalidUtf8AndControlCharactersStayWellFormed) {
  EXPECT_EQ(valid_utf8("ok é ✓"), "ok é ✓");
  EXPECT_EQ(valid_utf8("a\xff"
                       "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");  // overlong '/'
  EXPECT_EQ(valid_utf8("\xe2\x9c"), "\xef\xbf\xbd\xef\xbf\xbd");  // cut short
  auto profile =
      aggregate_profile(set_of("t", {run(true, "main;bad\xff\x01name;]]> 10\nmain 5\n")}));
  std::string svg = flame_graph_svg(flame_tree(profile), {});
  EXPECT_EQ(xml_parse_error(svg, "utf8"), "");
}

TEST(FlameGraphJson, D3TreeWithValuesAndDeltas) {
  ProfileDiff d = sample_diff();
  nlohmann::json j = flame_graph_json(diff_flame_tree(d));
  EXPECT_EQ(j["name"], "all");
  EXPECT_EQ(j["value"], 800'000);  // 80% of a core, in millionths
  EXPECT_EQ(j["samples"], 800);
  EXPECT_EQ(j["delta"], 160'000);  // 800 traced - 640 untraced samples
  const auto& main = j["children"][0];
  EXPECT_EQ(main["name"], "main");
  const auto& loop = main["children"][0];
  EXPECT_EQ(loop["name"], "loop");
  EXPECT_EQ(loop["value"], 800'000);
  EXPECT_EQ(loop["delta"], 200'000);
  EXPECT_NEAR(loop["delta_core"].get<double>(), 20, 1e-9);
  EXPECT_NEAR(loop["delta_ns"].get<double>(), 200'000, 1e-6);
  EXPECT_EQ(main["children"].size(), 1u);  // "old" has no traced samples
}

TEST(ProfileReport, ConsoleTextAndExports) {
  ProfileDiff d = sample_diff();
  std::string text = profile_diff_text(d, 10);
  EXPECT_NE(text.find("profile diff: 1 traced run of cpp-mock (t)"), std::string::npos) << text;
  EXPECT_NE(text.find("added CPU (traced - untraced, sampled): +16.00% of a core, +160,000.0 ns "
                      "per span"),
            std::string::npos)
      << text;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      text, m, std::regex(R"(top 4 frames by added self CPU[^\n]*\n[^\n]*\n([^\n]*)\n)")))
      << text;
  EXPECT_NE(m[1].str().find("+20.00%"), std::string::npos) << m[1];
  EXPECT_NE(m[1].str().find("hot_burn"), std::string::npos) << m[1];
  EXPECT_NE(text.find("-4.00%"), std::string::npos) << text;  // old, removed

  std::string md = serialize_profile_diff(d, ExportFormat::markdown, 3);
  EXPECT_NE(md.find("| +20.00% | +200,000.0 | 200 | 0 |  | hot\\_burn |"), std::string::npos) << md;
  EXPECT_NE(md.find("Tracer::finish\\<\"span\" & 'x'\\> |"), std::string::npos) << md;

  auto rows = parse_csv(serialize_profile_diff(d, ExportFormat::csv, 3));
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "frame");
  EXPECT_EQ(rows.size(), d.frames.size() + 1);  // every frame, not only the top
  bool found = false;
  for (const auto& r : rows) {
    if (r[0] == "Tracer::finish<\"span\" & 'x'>") {
      found = true;
      EXPECT_EQ(r[9], "20");  // added_total_core_percent
    }
  }
  EXPECT_TRUE(found);

  auto j = nlohmann::json::parse(serialize_profile_diff(d, ExportFormat::json, 3));
  EXPECT_EQ(j["format"], "spanbench-profile-diff/1");
  EXPECT_NEAR(j["added"]["core_percent"].get<double>(), 16, 1e-9);
  EXPECT_EQ(j["top_self"][0]["frame"], "hot_burn");
  EXPECT_EQ(j["top_self"].size(), 3u);
  EXPECT_EQ(j["traced"]["runs"], 1);
}

}  // namespace
}  // namespace spanbench
