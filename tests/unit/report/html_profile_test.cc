// The HTML report's profiles: pairs found the ways spanbench writes them
// (run --repeat halves, sweep groups, one folder of both kinds), their
// tables and flame graph, the d3-flame-graph bundle inlined when given and
// the static SVG with a note when not, and nothing a frame's name can
// break.
#include "report/html_profile.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "report/html.h"

namespace spanbench {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() /
             ("spanbench-html-profile-test-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

void write_run(const fs::path& dir, const std::string& stem, bool trace, const std::string& folded,
               const std::string& client = "cpp-mock") {
  nlohmann::json doc = {{"client", client},
                        {"trace", trace},
                        {"target_spans_per_second", 1000.0},
                        {"spans_sent", 10000},
                        {"cpu_usage", 0.7},
                        {"loop_seconds", 10.0},
                        {"loop_cpu_seconds", trace ? 7.5 : 7.0},
                        {"profiled", true},
                        {"profile",
                         {{"folded", stem + ".folded"},
                          {"frequency_hz", 100},
                          {"samples", 700},
                          {"lost_samples", 0},
                          {"unwinding", "fp"},
                          {"notes", nlohmann::json::array()}}}};
  write(dir / (stem + ".json"), doc.dump(2));
  write(dir / (stem + ".folded"), folded);
}

const char* kUntraced = "client;main;work 700\n";
const char* kTraced = "client;main;work 700\nclient;main;Tracer::finish<int>;hot_burn 50\n";

ReportContext context(const fs::path& web_dir = {}) {
  ReportContext c;
  c.version = "test";
  c.created = "now";
  c.web_dir = web_dir;
  return c;
}

TEST(HtmlProfile, RepeatHalvesGetTablesAndAStaticFlameGraphWithoutTheBundle) {
  auto dir = fresh_dir("repeat");
  for (const char* n : {"run-001", "run-002"}) {
    write_run(dir / "repeat/untraced", n, false, kUntraced);
    write_run(dir / "repeat/traced", n, true, kTraced);
  }
  write(dir / "repeat/profile-diff.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
  std::string html = html_report(dir, context());
  EXPECT_NE(html.find("<h2>Where the CPU goes</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h3>Where the CPU goes: repeat: traced against untraced</h3>"),
            std::string::npos);
  EXPECT_NE(html.find("2 traced and 2 untraced runs of cpp-mock, sampled at 100 Hz"),
            std::string::npos);
  EXPECT_NE(html.find("<strong>+5.00% of a core, +50,000.0 ns per span</strong>"),
            std::string::npos);
  EXPECT_NE(html.find("the harness measured +5.00 points"), std::string::npos);
  EXPECT_NE(html.find("<code>hot_burn</code>"), std::string::npos);
  EXPECT_NE(html.find("<code>Tracer::finish&lt;int&gt;</code>"), std::string::npos);
  // No bundle: the static graph and why.
  EXPECT_NE(html.find("needs d3-flame-graph, which this spanbench did not find"),
            std::string::npos);
  EXPECT_EQ(count(html, "<img alt=\"differential flame graph of repeat"), 1u);
  EXPECT_EQ(html.find("flamegraph.default()"), std::string::npos);
  EXPECT_EQ(html.find("class=\"flame-data\""), std::string::npos);
  // profile-diff.svg is not shown again among the graphs.
  EXPECT_EQ(html.find("<h2>Graphs</h2>"), std::string::npos);
  EXPECT_NE(html.find("<li><code>repeat/traced/run-001.folded</code></li>"), std::string::npos);
}

TEST(HtmlProfile, TheBundleIsInlinedAndEachGraphGetsItsData) {
  auto dir = fresh_dir("bundle");
  auto web = fresh_dir("bundle-web");
  write(web / "d3-flamegraph-bundle.min.js", "var d3 = {}; // </script> inside a string\n");
  write(web / "d3-flamegraph.css", ".d3-flame-graph rect { stroke: #eee; }\n");
  // A sweep group: untraced beside two traced modes.
  write_run(dir / "runs/cpp-mock/1000/untraced", "run-001", false, kUntraced);
  write_run(dir / "runs/cpp-mock/1000/typical", "run-001", true, kTraced);
  write_run(dir / "runs/cpp-mock/1000/slow_fail", "run-001", true,
            "client;main;work 700\nclient;main;</script><b>x 20\n");
  std::string html = html_report(dir, context(web));
  EXPECT_NE(html.find("runs/cpp-mock/1000: slow_fail against untraced"), std::string::npos);
  EXPECT_NE(html.find("runs/cpp-mock/1000: typical against untraced"), std::string::npos);
  EXPECT_EQ(count(html, "<figure class=\"flame\""), 2u);
  EXPECT_EQ(count(html, "<script type=\"application/json\" class=\"flame-data\">"), 2u);
  EXPECT_EQ(count(html, "var d3 = {};"), 1u);  // once for the page
  EXPECT_NE(html.find("// <\\/script> inside a string"), std::string::npos);
  EXPECT_NE(html.find(".d3-flame-graph rect { stroke: #eee; }"), std::string::npos);
  EXPECT_NE(html.find("data-expected=\"2\""), std::string::npos);
  // A frame's name never ends a script or adds markup.
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  EXPECT_NE(html.find("\\u003c/script>\\u003cb>x"), std::string::npos);
  EXPECT_NE(html.find("<code>&lt;/script&gt;&lt;b&gt;x</code>"), std::string::npos);
  // The static graph stays as the fallback.
  EXPECT_EQ(count(html, "<div class=\"flame-fallback\">"), 2u);
}

TEST(HtmlProfile, OneFolderOfBothKindsAndUnreadableProfiles) {
  auto dir = fresh_dir("mixed");
  write_run(dir / "runs", "untraced", false, kUntraced);
  write_run(dir / "runs", "traced", true, kTraced);
  write_run(dir / "broken/untraced", "run-001", false, "a;;b 1\n");
  write_run(dir / "broken/traced", "run-001", true, kTraced);
  std::string html = html_report(dir, context());
  EXPECT_NE(html.find("runs: traced against untraced"), std::string::npos);
  EXPECT_NE(html.find("the profiles in broken/untraced could not be read: "), std::string::npos);
  EXPECT_NE(html.find("run-001.folded:1: an empty frame"), std::string::npos);
}

TEST(HtmlProfile, NoProfilesNoSection) {
  auto dir = fresh_dir("none");
  write(dir / "run.json",
        R"({"client":"cpp-mock","trace":true,"spans_sent":5,"cpu_usage":0.5,"profile":null})");
  std::string html = html_report(dir, context());
  EXPECT_EQ(html.find("Where the CPU goes"), std::string::npos);
  EXPECT_EQ(html.find("flame"), std::string::npos);
}

TEST(HtmlProfile, WebFolderFromTheEnvironment) {
  auto web = fresh_dir("env-web");
  setenv("SPANBENCH_WEB_DIR", web.c_str(), 1);
  EXPECT_EQ(find_report_web_dir(), web);
  unsetenv("SPANBENCH_WEB_DIR");
  EXPECT_TRUE(is_profile_graph_file("x/profile-diff.svg"));
  EXPECT_TRUE(is_profile_graph_file("profile-flame.svg"));
  EXPECT_FALSE(is_profile_graph_file("x/dropped.svg"));
}

}  // namespace
}  // namespace spanbench
