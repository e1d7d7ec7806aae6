#include "report/html.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

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

ReportContext context() {
  return {{{"host", "box"}, {"num_cpus", 2}, {"cpu_model", "Some CPU"}, {"kernel", "Linux 6"}},
          "9.9.9",
          "abc123",
          "2026-01-02 03:04 UTC"};
}

// What a person should never have to read: a float printed to its last
// digit (five significant digits after the point or more), or in exponent
// form.
const std::regex kRawFloat(R"(\d\.0*[1-9]\d{4,}|\d[eE][+-]\d)");

// The page's text: no head (style, script), tags, attributes or data URIs.
std::string visible_text(const std::string& html) {
  std::string body = html.substr(html.find("</head>"));
  std::string out;
  bool in_tag = false;
  for (char c : body) {
    if (c == '<') in_tag = true;
    if (!in_tag) out += c;
    if (c == '>') in_tag = false;
  }
  return out;
}

nlohmann::json result(bool trace, double cpu, double sps) {
  return {{"client", "cpp-datadog"},
          {"trace", trace},
          {"target_spans_per_second", 1000},
          {"target_runtime", 10},
          {"spans_sent", 10000},
          {"dropped_spans", trace ? 12 : 0},
          {"cpu_usage", cpu},
          {"loop_seconds", 10.0},
          {"loop_cpu_seconds", cpu * 10},
          {"program_time", 0.7123456789},
          {"clock_time", 10.0123456789},
          {"spans_per_second", sps},
          {"max_rss_bytes", trace ? 20000000 : 15000000},
          {"spans_received", 10000},
          {"context", {{"host", "lab1"}, {"cpu_model", "Lab CPU"}, {"num_cpus", 8}}}};
}

TEST(HtmlReport, OneImagePerGraphTablesEveryDataFileAndNoRawNumbers) {
  auto dir = fresh_dir("full");
  // A 1x1 PNG and a small SVG of the same graph, and a PNG-only graph.
  const unsigned char png[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a};
  write(dir / "cpu.png", std::string(reinterpret_cast<const char*>(png), sizeof png));
  write(dir / "cpu.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>");
  write(dir / "memory.png", std::string(reinterpret_cast<const char*>(png), sizeof png));
  write(dir / "cpu.csv",
        "target_spans_per_second,trace,cpu_usage,clock_time,max_rss_bytes,other\n"
        "10000,true,0.5500544989195776,10.0123456,20000000,1e+04\n"
        "100,false,0.70,10.5,15000000,0.000123456789\n");
  write(dir / "traced" / "run-001.json", result(true, 0.71, 999.5).dump());
  auto failed = result(true, 0.2, 10);
  failed["error"] = "the client exited with 1";
  write(dir / "traced" / "run-002.json", failed.dump());
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
        "<testsuites><testsuite name=\"s\"><testcase name=\"cpu\" classname=\"c\" "
        "time=\"1.0123456\"><failure message=\"too &lt;slow&gt;\">x</failure></testcase>"
        "<testcase name=\"memory\" classname=\"c\" time=\"2.0\"/></testsuite></testsuites>");
  write(dir / "calibration.gp", "not reported");

  std::string html = html_report(dir, context());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // Each graph once: cpu as SVG (not its PNG too), memory as its PNG.
  EXPECT_EQ(count(html, "<img "), 2u);
  EXPECT_NE(html.find("src=\"data:image/png;base64,iVBORw0KGgo=\""), std::string::npos);
  EXPECT_NE(html.find("src=\"data:image/svg+xml;base64,"), std::string::npos);
  EXPECT_NE(html.find("<figcaption>cpu.svg</figcaption>"), std::string::npos);
  EXPECT_EQ(html.find("<figcaption>cpu.png</figcaption>"), std::string::npos);
  EXPECT_NE(html.find("id=\"image-check\" class=\"note\" data-images=\"2\""), std::string::npos);
  // When, by what, on what and from what.
  EXPECT_NE(html.find("Made 2026-01-02 03:04 UTC by spanbench 9.9.9 (commit abc123) on box (Some "
                      "CPU, 2 CPUs, Linux 6)"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find(fs::absolute(dir).lexically_normal().string()), std::string::npos);
  EXPECT_NE(html.find("<li><code>traced/run-001.json</code></li>"), std::string::npos);
  EXPECT_NE(html.find("Results measured on lab1 (Lab CPU, 8 CPUs"), std::string::npos);
  EXPECT_NE(html.find("<td>box</td>"), std::string::npos);
  // CSV cells for people: percent, grouped, units, no exponent.
  EXPECT_NE(html.find("<td class=\"num\">55.0%</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"num\">10,000</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">19.1 MiB</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">10.0 s</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>target spans/s</th>"), std::string::npos);
  // A result set: summary of the completed run, the failed one named.
  EXPECT_NE(html.find("results in traced"), std::string::npos);
  EXPECT_NE(html.find("1 traced run (1 failed, left out)"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>CPU traced</td><td class=\"num\">71.0%</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>the client exited with 1</td>"), std::string::npos);
  EXPECT_EQ(count(html, "<td>run-00"), 2u);
  EXPECT_NE(html.find("traced &lt;b&gt;82%&lt;/b&gt;"), std::string::npos);  // escaped detail
  EXPECT_NE(html.find("<td>too &lt;slow&gt;</td>"), std::string::npos);      // JUnit failure
  EXPECT_NE(html.find("<td class=\"num\">1.0 s</td>"), std::string::npos);   // JUnit time
  EXPECT_EQ(html.find("not reported"), std::string::npos);
  std::string text = visible_text(html);
  std::smatch m;
  EXPECT_FALSE(std::regex_search(text, m, kRawFloat)) << m.str() << "\n" << text;
  // Self-contained: nothing is fetched from elsewhere.
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(HtmlReport, ARepeatFolderIsOneSetWithItsOverheadAndVerdict) {
  auto dir = fresh_dir("repeat");
  const double traced[] = {0.721, 0.719, 0.724, 0.720}, untraced[] = {0.700, 0.702, 0.698, 0.701};
  for (int i = 0; i < 4; ++i) {
    write(dir / "set/traced" / fmt::format("run-00{}.json", i + 1),
          result(true, traced[i], 1000).dump());
    write(dir / "set/untraced" / fmt::format("run-00{}.json", i + 1),
          result(false, untraced[i], 1000).dump());
  }
  write(dir / "set/summary.json",
        nlohmann::json({{"traced_runs", 4}, {"status_text", "overhead: +2.05 points"}}).dump());
  // Runs of another rate in one folder: no summary across them.
  auto other = result(true, 0.7, 500);
  other["target_spans_per_second"] = 500;
  write(dir / "mixed/a.json", result(true, 0.7, 1000).dump());
  write(dir / "mixed/b.json", other.dump());

  std::string html = html_report(dir, context());
  EXPECT_NE(html.find("<h3>results in set</h3>"), std::string::npos) << html;
  EXPECT_EQ(html.find("results in set/traced"), std::string::npos);
  EXPECT_NE(html.find("cpp-datadog, 1,000 spans/s, 10 s: 4 traced and 4 untraced runs."),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>dropped traced</td><td class=\"num\">0.1%</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>peak RSS untraced</td><td class=\"num\">14.3 MiB</td>"),
            std::string::npos);
  EXPECT_NE(html.find("CPU share +2."), std::string::npos) << html;
  EXPECT_NE(html.find("95% confidence interval"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"verdict\">overhead: +2.05 points</p>"), std::string::npos);
  EXPECT_NE(html.find("<td>traced/run-004.json</td>"), std::string::npos);
  EXPECT_NE(html.find("runs of different settings (spans/s: 1000 vs 500): no summary"),
            std::string::npos)
      << html;
  std::smatch m;
  std::string text = visible_text(html);
  EXPECT_FALSE(std::regex_search(text, m, kRawFloat)) << m.str();
}

TEST(HtmlReport, AComparisonShowsEachMetricInItsUnit) {
  auto dir = fresh_dir("compare");
  nlohmann::json cmp = {{"base", "base/traced"},
                        {"new", "change/traced"},
                        {"base_count", 10},
                        {"new_count", 10},
                        {"verdict", "changed"},
                        {"metrics",
                         {{{"metric", "cpu_usage"},
                           {"base_median", 0.5251038836999373},
                           {"new_median", 0.5712240791807214},
                           {"change_percent", 8.7831234567},
                           {"p_value", 0.00123456789},
                           {"significant", true},
                           {"shift",
                            {{"estimate", 4.6123456},
                             {"low", 3.90123456},
                             {"high", 5.1234567},
                             {"confidence", 0.95},
                             {"reached", true}}}},
                          {{"metric", "max_rss_bytes"},
                           {"base_median", 15000000},
                           {"new_median", 15100000},
                           {"change_percent", 0.666666666},
                           {"p_value", 0.5},
                           {"significant", false},
                           {"shift",
                            {{"estimate", 100000.0},
                             {"low", -5000.0},
                             {"high", 200000.0},
                             {"confidence", 0.95},
                             {"reached", true}}}}}}};
  write(dir / "compare.json", cmp.dump());
  std::string html = html_report(dir, context());
  EXPECT_NE(html.find("<h2>Checks and comparisons</h2>"), std::string::npos);
  EXPECT_NE(html.find("change/traced (10 runs) against base/traced (10 runs): <strong>changed "
                      "significantly</strong>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>CPU</td><td class=\"num\">52.5%</td><td class=\"num\">57.1%</td><td "
                      "class=\"num\">+8.8%</td><td>+4.61 points [+3.90, +5.12]</td><td "
                      "class=\"num\">0.00123</td><td>yes</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>+0.10 MiB [0.00, +0.19]</td>"), std::string::npos) << html;
  std::smatch m;
  std::string text = visible_text(html);
  EXPECT_FALSE(std::regex_search(text, m, kRawFloat)) << m.str();
}

TEST(HtmlReport, RefusesAFolderWithNothingToReport) {
  auto dir = fresh_dir("empty");
  write(dir / "notes.txt", "hello");
  EXPECT_THROW(html_report(dir, context()), Error);
  EXPECT_THROW(html_report(dir / "missing", context()), UsageError);
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

TEST(Gnuplot, BarsWithIntervalsStartAtZeroUnlessAValueIsNegative) {
  BarChart c;
  c.title = "CPU per span";
  c.labels = {"cpp-mock", "node \"otel\""};
  c.values = {500, 2000};
  c.lows = {400, std::nan("")};  // no interval: no error bar
  c.highs = {600, 2500};
  std::string s = gnuplot_script(c, "svg", "out/bars.svg");
  EXPECT_NE(s.find("0 \"cpp-mock\" 500 400 600\n1 \"node 'otel'\" 2000 2000 2000\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("with boxes"), std::string::npos);
  EXPECT_NE(s.find("with yerrorbars"), std::string::npos);
  EXPECT_NE(s.find("set yrange [0:*]"), std::string::npos);
  c.lows[0] = -100;
  EXPECT_EQ(gnuplot_script(c, "svg", "out/bars.svg").find("set yrange"), std::string::npos);
  auto dir = fresh_dir("bars");
  render_plot(c, dir / "bars");
  EXPECT_GT(fs::file_size(dir / "bars.svg"), 1000u);
  EXPECT_GT(fs::file_size(dir / "bars.png"), 1000u);
  render_plot(BarChart{}, dir / "empty");  // nothing to draw: a frame
  EXPECT_GT(fs::file_size(dir / "empty.svg"), 0u);
}

}  // namespace
}  // namespace spanbench
