#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace spanbench {

std::string base64_encode(const std::string& bytes);
std::string html_escape(const std::string& text);

// What a report says about its own making.
struct ReportContext {
  nlohmann::json machine;  // the machine it was made on, as machine_context()
  std::string version;     // spanbench version
  std::string git_commit;  // of the spanbench build, may be empty
  std::string created;     // "2026-11-29 20:41 UTC"
  // The registry's description of each client, naming the tracer in the
  // leaderboard of a sweep folder when its runs carry no tracer_version.
  std::map<std::string, std::string> tracer_descriptions = {};
  // The flame graph scripts inlined for profiles (report/html_profile.h);
  // empty: profiles get static flame graphs.
  std::filesystem::path web_dir = {};
};
// This build, this machine, now.
ReportContext current_report_context();

// One self-contained HTML page of everything spanbench left in `dir`, for
// people, fitting a 1280 px window: when it was made, by what and from
// which files; each result set (a folder of result JSON files, the traced
// and untraced halves of a `run --repeat` folder together, or a JSON-lines
// file) with its summary (median, mean ± sd, min–max of spans/s, CPU,
// dropped, peak RSS), the tracer's overhead with its confidence interval
// when it has traced and untraced runs, and a row per run; each graph once
// (SVG when there is one, else PNG; inlined as a data URI); CSV tables;
// regress summaries, JUnit reports and `compare --json` comparisons; for a sweep folder (the
// folder or one below it, report/leaderboard.h), first its leaderboard: a table per rate and a
// graph of CPU per span per client with its interval (gnuplot; a note when it cannot run). Numbers
// are formatted (percent with one decimal, thousands separators, units). The page's own script
// marks every <img> data-ok="1" once it decoded and writes "N of M images rendered" into
// #image-check, so a headless browser can prove the page renders. Profiled runs (pairs of
// untraced and traced runs made with --profile) get the top frames by added CPU and a
// differential flame graph (report/html_profile.h); its script writes "N of M flame graphs
// rendered, K script errors" into #flame-check. Throws spanbench::Error when
// `dir` is not a readable folder or holds nothing to report.
std::string html_report(const std::filesystem::path& dir, const ReportContext& context);

}  // namespace spanbench
