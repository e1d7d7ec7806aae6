// Summaries, exports and the HTML report end to end: the real spanbench
// binary, the real client program (cpp-mock, cpp-datadog), real satellites,
// gnuplot, and headless Chromium measuring the page at 1280 px.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "report/csv.h"
#include "support/controller_support.h"

namespace spanbench::testing {
namespace {
namespace fs = std::filesystem;

// What a person should never have to read: a float printed to its last
// digit (five significant digits after the point or more), or in exponent
// form.
const std::regex kRawFloat(R"(\d\.0*[1-9]\d{4,}|\d[eE][+-]\d)");

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client =
        fs::path(REPO_CLIENTS_TOML).parent_path() / "build/clients/cpp/spanbench-client-cpp";
    if (!fs::exists(client)) GTEST_SKIP() << "client not built at " << client;
    dir_ =
        fs::path(TEST_WORK_DIR) / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  // spanbench in this test's folder, with the repository's registry and
  // this test's own ports: control port test_port(offset), two satellites.
  std::string invocation(const std::string& command, int offset, const std::string& args,
                         const std::string& client) const {
    return fmt::format(
        "{} --clients {} --log-dir {}/logs {} --client {} --control-port {} "
        "--satellite-ports {}-{} --calibration {}/cal-{}.json {}",
        SPANBENCH_BIN, REPO_CLIENTS_TOML, TEST_WORK_DIR, command, client, test_port(offset),
        19100 + 2 * offset, 19101 + 2 * offset, TEST_WORK_DIR, client, args);
  }
  CommandOutput spanbench(const std::string& command, int offset, const std::string& args,
                          const std::string& client = "cpp-mock") const {
    return run_shell(
        fmt::format("cd {} && {}", dir_.string(), invocation(command, offset, args, client)));
  }

  fs::path dir_;
};

// The run files of a --repeat folder that hold a measured result (no "error").
std::vector<nlohmann::json> measured_runs(const fs::path& out) {
  std::vector<nlohmann::json> runs;
  for (const char* side : {"traced", "untraced"}) {
    if (!fs::exists(out / side)) continue;
    for (const auto& f : fs::directory_iterator(out / side)) {
      auto j = nlohmann::json::parse(slurp(f.path()));
      if (!j.contains("error")) runs.push_back(j);
    }
  }
  return runs;
}

TEST_F(ReportTest, RepeatEndsWithASummaryAndExportsEveryFormat) {
  auto out = spanbench("run", 70,
                       "--sps 1000 --runtime 0.5 --repeat 2 --out set --export-markdown set.md "
                       "--export-csv set.csv --export-json set.json");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  // The console summary: each metric of each set, then the overhead.
  EXPECT_NE(out.output.find("summary of 2 traced and 2 untraced runs (cpp-mock, 1,000 spans/s, "
                            "0.5 s)"),
            std::string::npos)
      << out.output;
  for (const char* row :
       {"spans/s traced", "spans/s untraced", "CPU traced", "CPU untraced", "dropped traced",
        "dropped untraced", "peak RSS traced", "peak RSS untraced", "CPU share", "CPU per span"}) {
    EXPECT_NE(out.output.find(row), std::string::npos) << row << "\n" << out.output;
  }
  for (const char* file : {"set.md", "set.csv", "set.json"}) {
    EXPECT_NE(out.output.find(fmt::format("exported to {}", file)), std::string::npos);
  }

  // JSON: every run's full result, the same as the run files.
  auto j = nlohmann::json::parse(slurp(dir_ / "set.json"));
  EXPECT_TRUE(j["complete"].get<bool>());
  ASSERT_EQ(j["runs"].size(), 4u);
  auto files = measured_runs(dir_ / "set");
  ASSERT_EQ(files.size(), 4u);
  for (const auto& run : j["runs"]) {
    auto file = nlohmann::json::parse(slurp(dir_ / "set" / run["name"].get<std::string>()));
    EXPECT_EQ(run["result"]["cpu_usage"], file["cpu_usage"]);
    EXPECT_EQ(run["result"]["spans_sent"], file["spans_sent"]);
  }
  EXPECT_EQ(j["summary"]["traced"]["runs"], 2);
  EXPECT_TRUE(j["overhead"]["cpu_points"].is_object());
  EXPECT_FALSE(j["verdict"].get<std::string>().empty());
  // The summary's median CPU is the median of the traced files' CPU.
  std::vector<double> cpu;
  for (const auto& f : files) {
    if (f["trace"].get<bool>()) cpu.push_back(f["cpu_usage"].get<double>());
  }
  ASSERT_EQ(cpu.size(), 2u);
  EXPECT_DOUBLE_EQ(j["summary"]["traced"]["cpu_usage"]["median"].get<double>(),
                   (cpu[0] + cpu[1]) / 2);

  // CSV: a row per set and metric, then the overhead, at full precision.
  auto rows = read_csv_file(dir_ / "set.csv");
  ASSERT_EQ(rows.size(), 1u + 8 + 2);
  EXPECT_EQ(rows[0][0], "set");
  bool found = false;
  for (const auto& r : rows) {
    if (r[0] == "traced" && r[1] == "cpu_usage") {
      found = true;
      EXPECT_EQ(std::stod(r[5]), j["summary"]["traced"]["cpu_usage"]["mean"].get<double>());
    }
  }
  EXPECT_TRUE(found);

  // Markdown: the same figures for people.
  std::string md = slurp(dir_ / "set.md");
  EXPECT_EQ(md.rfind("# spanbench: cpp-mock, 1,000 spans/s, 0.5 s", 0), 0u) << md;
  EXPECT_NE(md.find("| CPU traced | 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| CPU share |"), std::string::npos) << md;
  EXPECT_EQ(count(md, "| traced/run-00"), 2u) << md;
  EXPECT_FALSE(std::regex_search(md, kRawFloat)) << md;

  // A single run exports too: one set, no overhead.
  auto single = spanbench("run", 70, "--no-trace --sps 1000 --runtime 0.5 --export-csv one.csv");
  ASSERT_EQ(single.exit_code, 0) << single.output;
  auto one = read_csv_file(dir_ / "one.csv");
  ASSERT_EQ(one.size(), 1u + 4) << slurp(dir_ / "one.csv");
  EXPECT_EQ(one[1][0], "untraced");
  EXPECT_EQ(one[1][3], "1");

  // Two formats into one file is refused before anything runs.
  auto clash = spanbench("run", 70, "--runtime 0.5 --export-csv x --export-json x");
  EXPECT_EQ(clash.exit_code, 2) << clash.output;
  EXPECT_NE(clash.output.find("the CSV and JSON exports both name x"), std::string::npos);
  EXPECT_EQ(clash.output.find("calibration"), std::string::npos) << clash.output;
}

TEST_F(ReportTest, AnInterruptedRepeatKeepsItsExportsAndSummary) {
  // Six 2 s runs; Ctrl-C once the first is exported.
  std::string cmd = "exec " +
                    invocation("run", 71,
                               "--sps 500 --runtime 2 --repeat 3 --out set --export-json set.json "
                               "--export-markdown set.md",
                               "cpp-mock") +
                    " > out.txt 2>&1";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (chdir(dir_.c_str()) != 0) _exit(126);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    _exit(127);
  }
  auto json_file = dir_ / "set.json";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline && !fs::exists(json_file)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string output = slurp(dir_ / "out.txt");
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 130) << output;

  // Every measured run is in the export, which says the set stopped.
  auto j = nlohmann::json::parse(slurp(json_file));
  auto files = measured_runs(dir_ / "set");
  ASSERT_GE(files.size(), 1u) << output;
  EXPECT_EQ(j["runs"].size(), files.size()) << j.dump(2);
  EXPECT_FALSE(j["complete"].get<bool>());
  EXPECT_EQ(j["planned_runs"], 6);
  ASSERT_EQ(j["failed"].size(), 1u);
  EXPECT_NE(j["failed"][0].get<std::string>().find(fmt::format("run {} of 6", files.size() + 1)),
            std::string::npos)
      << j["failed"];
  std::string md = slurp(dir_ / "set.md");
  EXPECT_NE(md.find(fmt::format("**Incomplete:** {} of 6 runs measured", files.size())),
            std::string::npos)
      << md;
  // The console still sums up what was measured.
  EXPECT_NE(output.find(fmt::format("summary of {} traced", (files.size() + 1) / 2)),
            std::string::npos)
      << output;
}

// The chromium command line shared by the checks below.
std::string chromium(const fs::path& dir, const std::string& what, const fs::path& page) {
  return fmt::format(
      "chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --no-first-run --hide-scrollbars "
      "--user-data-dir={0}/chromium --window-size=1280,900 --virtual-time-budget=5000 {1} "
      "file://{2} 2>/dev/null",
      dir.string(), what, page.string());
}

std::string unescape_html(std::string s) {
  const std::pair<const char*, const char*> entities[] = {{"&lt;", "<"},    {"&gt;", ">"},
                                                          {"&quot;", "\""}, {"&#39;", "'"},
                                                          {"&nbsp;", " "},  {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + 1)) {
      s.replace(p, std::string(from).size(), to);
    }
  }
  return s;
}

TEST_F(ReportTest, ReportFitsA1280WindowShowsEachGraphOnceAndNoRawNumbersInChromium) {
  if (run_shell("command -v chromium").exit_code != 0) {
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  }
  auto started = std::chrono::steady_clock::now();
  // Real results: two graphs (PNG and SVG each), a run --repeat set with
  // its summary.json, and exports.
  auto g = spanbench("graph dropped", 72, "--rates 500,1000 --trials 1 --runtime 0.5 --out results",
                     "cpp-datadog");
  ASSERT_EQ(g.exit_code, 0) << g.output;
  auto m = spanbench("graph memory", 72, "--rates 500 --runtime 1 --out results", "cpp-datadog");
  ASSERT_EQ(m.exit_code, 0) << m.output;
  auto r = spanbench("run", 72, "--sps 500 --runtime 0.5 --repeat 2 --out results/repeat",
                     "cpp-datadog");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto measured = std::chrono::steady_clock::now();

  auto rep = run_shell(
      fmt::format("cd {} && {} report results -o report.html", dir_.string(), SPANBENCH_BIN));
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  std::string html = slurp(dir_ / "report.html");
  EXPECT_EQ(count(html, "<img "), 2u);  // dropped and memory, once each
  EXPECT_NE(html.find("<h3>results in repeat</h3>"), std::string::npos);
  EXPECT_NE(html.find("2 traced and 2 untraced runs"), std::string::npos);
  EXPECT_NE(html.find("<strong>Overhead</strong>"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"verdict\">"), std::string::npos);  // from summary.json
  EXPECT_NE(html.find("Made 20"), std::string::npos);
  EXPECT_NE(html.find("by spanbench "), std::string::npos);

  // The page as Chromium lays it out in a 1280 x 900 window: a probe
  // appended to a copy writes the page's width and its text into the DOM.
  std::string probe = R"(<script>
window.addEventListener("load", () => {
  const p = document.createElement("pre");
  p.id = "probe";
  p.dataset.scrollWidth = String(document.documentElement.scrollWidth);
  p.dataset.innerWidth = String(window.innerWidth);
  p.textContent = document.body.innerText;
  document.body.appendChild(p);
});
</script>)";
  std::ofstream(dir_ / "probe.html") << html << probe;
  auto dom = run_shell(chromium(dir_, "--dump-dom", dir_ / "probe.html"));
  ASSERT_EQ(dom.exit_code, 0) << dom.output.substr(0, 2000);
  std::smatch widths;
  ASSERT_TRUE(std::regex_search(
      dom.output, widths,
      std::regex(R"re(<pre id="probe" data-scroll-width="(\d+)" data-inner-width="(\d+)">)re")))
      << dom.output.substr(0, 2000);
  EXPECT_EQ(std::stoi(widths[2]), 1280);  // the window really is 1280 px wide
  EXPECT_LE(std::stoi(widths[1]), 1280) << "the page scrolls sideways in a 1280 px window";
  size_t text_start = widths.position(0) + widths.length(0);
  std::string text = unescape_html(
      dom.output.substr(text_start, dom.output.find("</pre>", text_start) - text_start));
  EXPECT_NE(text.find("spanbench report"), std::string::npos) << text;
  EXPECT_NE(text.find("CPU traced"), std::string::npos) << text;
  std::smatch raw;
  EXPECT_FALSE(std::regex_search(text, raw, kRawFloat)) << raw.str() << "\n" << text;
  // Every image decoded (the page's own check).
  EXPECT_EQ(count(dom.output, "data-ok=\"1\""), 2u) << dom.output.substr(0, 2000);
  EXPECT_NE(dom.output.find("2 of 2 images rendered"), std::string::npos);

  // A screenshot at that width, for people to look at (kept in the test folder).
  auto shot = run_shell(
      chromium(dir_, "--screenshot=" + (dir_ / "report.png").string(), dir_ / "report.html"));
  ASSERT_EQ(shot.exit_code, 0) << shot.output;
  std::string png = slurp(dir_ / "report.png");
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  auto be32 = [&](size_t at) {
    return uint32_t(uint8_t(png[at])) << 24 | uint32_t(uint8_t(png[at + 1])) << 16 |
           uint32_t(uint8_t(png[at + 2])) << 8 | uint32_t(uint8_t(png[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);  // IHDR width
  auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::cout << fmt::format("timing: runs {:.1f} s, report and Chromium checks {:.1f} s\n",
                           seconds(measured - started),
                           seconds(std::chrono::steady_clock::now() - measured));
}

// A profiled pair (run --repeat halves with folded stacks, written here as
// run --profile leaves them) in Chromium: the interactive flame graph draws
// from the inlined d3-flame-graph, zooms on a click, searches, and the page
// logs no script error; without the bundle the static SVG is shown instead.
TEST_F(ReportTest, ProfiledRunsGetAnInteractiveFlameGraphInChromium) {
  if (run_shell("command -v chromium").exit_code != 0) {
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  }
  const fs::path bundle =
      fs::path(SPANBENCH_BIN).parent_path() / "../share/spanbench/web/d3-flamegraph-bundle.min.js";
  if (!fs::exists(bundle)) {
    GTEST_SKIP() << "no d3-flame-graph bundle at " << bundle
                 << " (scripts/install-deps.sh runs npm ci in src/report/web)";
  }
  for (const char* side : {"untraced", "traced"}) {
    for (int n = 1; n <= 2; ++n) {
      const bool trace = side == std::string("traced");
      const std::string stem = fmt::format("run-{:03d}", n);
      nlohmann::json doc = {
          {"client", "cpp-mock"},
          {"trace", trace},
          {"spans_sent", 10000},
          {"cpu_usage", trace ? 0.78 : 0.7},
          {"loop_seconds", 10.0},
          {"loop_cpu_seconds", trace ? 7.8 : 7.0},
          {"target_spans_per_second", 1000.0},
          {"profiled", true},
          {"profile", {{"folded", stem + ".folded"}, {"frequency_hz", 499}, {"samples", 3900}}}};
      fs::create_directories(dir_ / "results/repeat" / side);
      std::ofstream(dir_ / "results/repeat" / side / (stem + ".json")) << doc.dump(2);
      std::ofstream(dir_ / "results/repeat" / side / (stem + ".folded"))
          << "spanbench-client;main;run_span_loop;work 3493\n"
          << (trace ? "spanbench-client;main;run_span_loop;MockTracer::Finish<Span&>;"
                      "spanbench_mock_hot_work 399\n"
                    : "");
    }
  }
  auto rep = run_shell(
      fmt::format("cd {} && {} report results -o report.html", dir_.string(), SPANBENCH_BIN));
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  std::string html = slurp(dir_ / "report.html");
  ASSERT_NE(html.find("<h3>Where the CPU goes: repeat: traced against untraced</h3>"),
            std::string::npos);

  // Draw, click the hot frame (zoom), search for it, then report what the DOM says.
  std::string probe = R"(<script>
window.addEventListener("load", () => setTimeout(() => {
  const p = document.createElement("pre");
  p.id = "probe";
  const chart = document.querySelector(".flame-chart");
  const frames = Array.from(chart.querySelectorAll("g"));
  const hot = frames.find(g => (g.textContent || "").includes("spanbench_mock_hot_work"));
  if (hot) hot.dispatchEvent(new MouseEvent("click", {bubbles: true}));
  const box = document.querySelector(".flame-search");
  box.value = "hot_work";
  box.dispatchEvent(new Event("input"));
  setTimeout(() => {
    p.dataset.frames = String(frames.length);
    p.dataset.hot = hot ? "1" : "0";
    p.dataset.fallback = getComputedStyle(document.querySelector(".flame-fallback")).display;
    p.dataset.errors = String(window.spanbenchScriptErrors.length);
    p.textContent = document.getElementById("flame-check").textContent + " | " +
        document.querySelector(".flame-details").textContent + " | " +
        window.spanbenchScriptErrors.join("; ");
    document.body.appendChild(p);
  }, 600);
}, 300));
</script>)";
  std::ofstream(dir_ / "probe.html") << html << probe;
  auto dom = run_shell(chromium(dir_, "--dump-dom", dir_ / "probe.html"));
  ASSERT_EQ(dom.exit_code, 0) << dom.output.substr(0, 2000);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      dom.output, m,
      std::regex(
          R"re(<pre id="probe" data-frames="(\d+)" data-hot="(\d)" data-fallback="(\w+)" data-errors="(\d+)">([^<]*)</pre>)re")))
      << dom.output.substr(dom.output.size() > 3000 ? dom.output.size() - 3000 : 0);
  EXPECT_GE(std::stoi(m[1]), 5) << m[5];  // all, client, main, loop, work, ...
  EXPECT_EQ(m[2], "1") << "the hot function has no frame in the interactive graph";
  EXPECT_EQ(m[3], "none") << "the static fallback is still shown";
  EXPECT_EQ(m[4], "0") << m[5];
  EXPECT_NE(m[5].str().find("1 of 1 flame graphs rendered, 0 script errors"), std::string::npos)
      << m[5];
  // 399 of the 3,892 traced samples.
  EXPECT_NE(m[5].str().find("matched 10.3% of the traced CPU"), std::string::npos) << m[5];
  EXPECT_NE(dom.output.find("data-rendered=\"1\""), std::string::npos);

  // Without the bundle: the static SVG, decoded, and the page says why.
  auto plain = run_shell(
      fmt::format("cd {} && SPANBENCH_WEB_DIR=/nonexistent {} report results -o plain.html",
                  dir_.string(), SPANBENCH_BIN));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(slurp(dir_ / "plain.html").find("needs d3-flame-graph"), std::string::npos);
  auto plain_dom = run_shell(chromium(dir_, "--dump-dom", dir_ / "plain.html"));
  EXPECT_NE(plain_dom.output.find("1 of 1 images rendered"), std::string::npos);

  auto shot = run_shell(
      chromium(dir_, "--screenshot=" + (dir_ / "profile.png").string(), dir_ / "report.html"));
  EXPECT_EQ(shot.exit_code, 0) << shot.output;
}

// The check of a differential profile against a known cost: cpp-mock-hot's
// tracer burns 20 us of CPU per span in spanbench_mock_hot_work, so that
// function must top the diff by self CPU, and its total CPU (with the
// clock_gettime system calls it makes to watch its own CPU clock) must be
// what was asked: 20 us times the spans per second in % of a core, and
// 20,000 ns per span, each within 40% (sampling, and a busy machine).
TEST_F(ReportTest, ProfileDiffPutsTheMockTracersHotFunctionOnTop) {
  auto probe = run_shell("perf record -e cpu-clock -F 99 -o /dev/null -- true");
  if (probe.exit_code != 0) GTEST_SKIP() << "perf cannot sample here: " << probe.output;
  auto r = spanbench("run", 74, "--sps 2500 --runtime 2 --repeat 1 --profile --out results/hot",
                     "cpp-mock-hot");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto d = run_shell(fmt::format("cd {} && {} profile diff results/hot --export-json diff.json",
                                 dir_.string(), SPANBENCH_BIN));
  ASSERT_EQ(d.exit_code, 0) << d.output;
  EXPECT_NE(d.output.find("differential flame graph written to results/hot/profile-diff.svg"),
            std::string::npos)
      << d.output;
  auto j = nlohmann::json::parse(slurp(dir_ / "diff.json"));
  auto traced = nlohmann::json::parse(slurp(dir_ / "results/hot/traced/run-001.json"));
  const double spans_per_second =
      traced["spans_sent"].get<double>() / traced["loop_seconds"].get<double>();
  const double asked_percent = 20e-6 * spans_per_second * 100;
  ASSERT_FALSE(j["top_self"].empty()) << d.output;
  EXPECT_EQ(j["top_self"][0]["frame"], "spanbench_mock_hot_work") << d.output;
  const nlohmann::json* hot = nullptr;
  for (const auto& f : j["top_total"]) {
    if (f["frame"] == "spanbench_mock_hot_work") hot = &f;
  }
  ASSERT_NE(hot, nullptr) << d.output;
  const double found_percent = (*hot)["added_core_percent"].get<double>();
  const double found_ns = (*hot)["added_ns_per_span"].get<double>();
  EXPECT_NEAR(found_percent, asked_percent, 0.4 * asked_percent) << d.output;
  EXPECT_NEAR(found_ns, 20'000, 8'000) << d.output;
  EXPECT_FALSE((*hot)["within_noise"].get<bool>()) << d.output;
  std::cout << fmt::format(
      "hot function at {:.0f} spans/s: asked {:.2f}% of a core, found {:.2f}% ({:.0f} ns/span)\n",
      spans_per_second, asked_percent, found_percent, found_ns);
}

}  // namespace
}  // namespace spanbench::testing
