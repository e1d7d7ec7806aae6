#include "report/html.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "report/gnuplot.h"

namespace spanbench {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("spanbench-html-test-" + std::to_string(getpid())) / name;
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

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(Html, EscapesText) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
}

TEST(HtmlReport, InlinesEveryImageAndTablesEveryDataFile) {
  auto dir = fresh_dir("full");
  // A 1x1 PNG and a small SVG.
  const unsigned char png[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a};
  write(dir / "cpu.png", std::string(reinterpret_cast<const char*>(png), sizeof png));
  write(dir / "cpu.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>");
  write(dir / "cpu.csv",
        "target_spans_per_second,trace,cpu_usage\n100,true,0.71\n100,false,0.70\n");
  nlohmann::json result = {{"client", "cpp-datadog"}, {"trace", true},
                           {"spans_sent", 500},       {"cpu_usage", 0.71},
                           {"program_time", 0.7},     {"spans_received", 500}};
  write(dir / "traced" / "run-001.json", result.dump());
  write(dir / "traced" / "run-002.json", result.dump());
  nlohmann::json regress = {{"suite", "regress"},
                            {"client", "cpp-datadog"},
                            {"profile", "quick"},
                            {"passed", false},
                            {"checks",
                             {{{"name", "cpu"},
                               {"measured_text", "+12.0 points"},
                               {"limit_text", "< 10 points"},
                               {"passed", false},
                               {"detail", "traced <b>82%</b>"}}}}};
  write(dir / "regress" / "regress.json", regress.dump());
  write(dir / "regress" / "junit.xml",
        "<testsuites><testsuite name=\"s\"><testcase name=\"cpu\" classname=\"c\" time=\"1.0\">"
        "<failure message=\"too &lt;slow&gt;\">x</failure></testcase>"
        "<testcase name=\"memory\" classname=\"c\" time=\"2.0\"/></testsuite></testsuites>");
  write(dir / "calibration.gp", "not reported");

  std::string html = html_report(dir, {{"host", "box"}, {"num_cpus", 2}}, "9.9.9");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<img "), 2u);
  EXPECT_NE(html.find("src=\"data:image/png;base64,iVBORw0KGgo=\""), std::string::npos);
  EXPECT_NE(html.find("src=\"data:image/svg+xml;base64,"), std::string::npos);
  EXPECT_NE(html.find("id=\"image-check\" data-images=\"2\""), std::string::npos);
  EXPECT_NE(html.find("spanbench 9.9.9"), std::string::npos);
  EXPECT_NE(html.find("<td>box</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>0.71</td>"), std::string::npos);      // CSV cell
  EXPECT_NE(html.find("results in traced"), std::string::npos);  // result set table
  EXPECT_EQ(count(html, "<td>run-00"), 2u);
  EXPECT_NE(html.find("traced &lt;b&gt;82%&lt;/b&gt;"), std::string::npos);  // escaped detail
  EXPECT_NE(html.find("<td>too &lt;slow&gt;</td>"), std::string::npos);      // JUnit failure
  EXPECT_EQ(html.find("not reported"), std::string::npos);
  // Self-contained: nothing is fetched from elsewhere.
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(HtmlReport, RefusesAFolderWithNothingToReport) {
  auto dir = fresh_dir("empty");
  write(dir / "notes.txt", "hello");
  EXPECT_THROW(html_report(dir, nlohmann::json::object(), "1"), Error);
  EXPECT_THROW(html_report(dir / "missing", nlohmann::json::object(), "1"), UsageError);
}

TEST(Gnuplot, ScriptCarriesDataInlineWithBands) {
  Plot p;
  p.title = "CPU of it's client";
  p.x_label = "spans per second";
  p.y_label = "CPU";
  p.log_x = true;
  p.series.push_back({"traced", {100, 1000}, {71, 72}, {0.5, 0.7}, false});
  p.series.push_back({"dropped", {100, 1000}, {0, 3}, {}, true});
  std::string s = gnuplot_script(p, "svg", "out/cpu.svg");
  EXPECT_NE(s.find("set terminal svg"), std::string::npos);
  EXPECT_NE(s.find("set output 'out/cpu.svg'"), std::string::npos);
  EXPECT_NE(s.find("set title 'CPU of it''s client'"), std::string::npos);
  EXPECT_NE(s.find("set logscale x"), std::string::npos);
  EXPECT_NE(s.find("$d0 << EOD\n100 71 0.5\n1000 72 0.7\nEOD\n"), std::string::npos);
  EXPECT_NE(s.find("with filledcurves"), std::string::npos);
  EXPECT_NE(s.find("axes x1y2"), std::string::npos);
  EXPECT_NE(s.find("set y2tics"), std::string::npos);
}

TEST(Gnuplot, RendersPngAndSvg) {
  auto dir = fresh_dir("plot");
  Plot p;
  p.title = "test";
  p.series.push_back({"line", {1, 2, 3}, {1, 4, 9}, {0.5, 0.5, 0.5}, false});
  render_plot(p, dir / "line");
  EXPECT_GT(fs::file_size(dir / "line.png"), 1000u);
  EXPECT_GT(fs::file_size(dir / "line.svg"), 1000u);
  EXPECT_TRUE(fs::exists(dir / "line.gp"));
  // An empty plot still draws (a frame), rather than failing.
  render_plot(Plot{}, dir / "empty");
  EXPECT_GT(fs::file_size(dir / "empty.png"), 0u);
}

}  // namespace
}  // namespace spanbench
