#include "report/html.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "core/machine.h"
#include "core/result.h"
#include "report/csv.h"
#include "report/format.h"
#include "report/gnuplot.h"
#include "report/html_profile.h"
#include "report/junit.h"
#include "report/leaderboard.h"
#include "report/summary.h"

namespace spanbench {
namespace fs = std::filesystem;

std::string base64_encode(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 |
                 uint8_t(bytes[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += '=';
  }
  return out;
}

// XML's escaping is valid HTML too; one implementation serves both.
std::string html_escape(const std::string& text) { return xml_escape(text); }

namespace {

constexpr size_t kMaxTableRows = 500;

// A cell: its text, and whether it is a number (right-aligned).
struct Cell {
  std::string text;
  bool number = false;
};

std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<Cell>>& rows, size_t total_rows,
                  const std::string& css_class = "") {
  std::string s = css_class.empty() ? "<table>\n" : "<table class=\"" + css_class + "\">\n";
  s += "<thead><tr>";
  for (const auto& h : header) s += "<th>" + html_escape(h) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows) {
    s += "<tr>";
    for (const auto& c : r) {
      s += c.number ? "<td class=\"num\">" : "<td>";
      s += html_escape(c.text) + "</td>";
    }
    s += "</tr>\n";
  }
  s += "</tbody></table>\n";
  if (total_rows > rows.size()) {
    s += fmt::format("<p class=\"note\">first {} of {} rows shown; the file has them all.</p>\n",
                     grouped(int64_t(rows.size())), grouped(int64_t(total_rows)));
  }
  return s;
}

Cell num(std::string text) { return {std::move(text), true}; }

// Any JSON value for people: floats never raw.
std::string value_text(const nlohmann::json& v) {
  if (v.is_number_float()) return readable(v.get<double>());
  if (v.is_number_integer()) return grouped(v.get<int64_t>());
  if (v.is_number_unsigned()) return grouped(int64_t(v.get<uint64_t>()));
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

bool is_result_document(const nlohmann::json& j) {
  return j.is_object() && j.contains("spans_sent") && j.contains("cpu_usage");
}

bool is_regress_summary(const nlohmann::json& j) {
  return j.is_object() && j.value("suite", "") == "regress" && j.contains("checks");
}

// run --repeat's summary.json: the status line says what its figures mean.
bool is_repeat_summary(const nlohmann::json& j) {
  return j.is_object() && j.contains("status_text") && j.contains("traced_runs");
}

// A CSV column's header and cells for people, by the column's name as
// spanbench writes it (graph CSVs); other files' numbers get `readable`.
std::string column_title(const std::string& name) {
  static const std::map<std::string, std::string> kTitles = {
      {"target_spans_per_second", "target spans/s"},
      {"spans_per_second", "spans/s"},
      {"cpu_usage", "CPU"},
      {"dropped_percent", "dropped"},
      {"dropped_share", "dropped"},
      {"max_rss_bytes", "peak RSS"},
      {"rss_bytes", "RSS"},
      {"program_time", "CPU time"},
      {"clock_time", "wall time"},
      {"cpu_ns_per_span", "CPU per span"}};
  auto it = kTitles.find(name);
  if (it != kTitles.end()) return it->second;
  std::string t = name;
  std::replace(t.begin(), t.end(), '_', ' ');
  return t;
}

Cell csv_cell(const std::string& column, const std::string& text) {
  double v = 0;
  if (!parse_number(text, v)) return {text, false};
  auto ends_with = [&](const std::string& suffix) {
    return column.size() >= suffix.size() &&
           column.compare(column.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (column == "cpu_usage" || column == "dropped_share") return num(percent(v, 1));
  if (column == "dropped_percent") return num(grouped(v, 1) + "%");
  if (ends_with("_bytes")) return num(bytes_text(v));
  if (ends_with("_time") || ends_with("_seconds")) return num(seconds_text(v));
  if (column == "spans_per_second") return num(grouped(v, 1));
  if (v == std::floor(v) && std::fabs(v) < 1e15) return num(grouped(int64_t(v)));
  return num(readable(v));
}

std::string regress_section(const std::string& name, const nlohmann::json& j) {
  std::vector<std::vector<Cell>> rows;
  for (const auto& c : j["checks"]) {
    // "verdict" (pass, fail, noisy) since noise detection; older files have "passed" only.
    std::string verdict = c.value("verdict", c.value("passed", false) ? "pass" : "fail");
    std::string detail = c.value("detail", "");
    if (!c.value("noise", "").empty())
      detail = "no verdict: " + c.value("noise", "") + "; " + detail;
    rows.push_back({{c.value("name", "")},
                    {c.value("measured_text", "")},
                    {c.value("limit_text", "")},
                    {verdict == "pass"    ? "PASS"
                     : verdict == "noisy" ? "NOISY"
                                          : "FAIL"},
                    {detail}});
  }
  std::string verdict = j.value("verdict", j.value("passed", false) ? "pass" : "fail");
  std::string s = fmt::format("<h3>{}</h3>\n<p>client {}, profile {}: <strong>{}</strong></p>\n",
                              html_escape(name), html_escape(j.value("client", "")),
                              html_escape(j.value("profile", "")),
                              verdict == "pass"    ? "passed"
                              : verdict == "noisy" ? "NOISY (no verdict)"
                                                   : "FAILED");
  return s + table({"check", "measured", "limit", "verdict", "detail"}, rows, rows.size());
}

// The attribute value of `attr` in the tag starting at `pos` of `xml`.
std::string xml_attribute(const std::string& xml, size_t pos, const std::string& attr) {
  size_t end = xml.find('>', pos);
  size_t a = xml.find(" " + attr + "=\"", pos);
  if (a == std::string::npos || a > end) return "";
  a += attr.size() + 3;
  size_t b = xml.find('"', a);
  std::string v = xml.substr(a, b - a);
  // Undo the five XML escapes so html_escape does not double them.
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t p = v.find(from); p != std::string::npos; p = v.find(from, p + 1)) {
      v.replace(p, std::string(from).size(), to);
    }
  }
  return v;
}

std::string junit_section(const std::string& name, const std::string& xml) {
  std::vector<std::vector<Cell>> rows;
  for (size_t p = xml.find("<testcase "); p != std::string::npos;
       p = xml.find("<testcase ", p + 1)) {
    size_t next = xml.find("<testcase ", p + 1);
    size_t fail = xml.find("<failure ", p);
    bool failed = fail != std::string::npos && (next == std::string::npos || fail < next);
    std::string time = xml_attribute(xml, p, "time");
    double seconds = 0;
    rows.push_back({{xml_attribute(xml, p, "classname")},
                    {xml_attribute(xml, p, "name")},
                    parse_number(time, seconds) ? num(seconds_text(seconds)) : Cell{time},
                    {failed ? "FAIL" : "PASS"},
                    {failed ? xml_attribute(xml, fail, "message") : ""}});
  }
  return fmt::format("<h3>{}</h3>\n", html_escape(name)) +
         table({"class", "test", "time", "verdict", "failure"}, rows, rows.size());
}

bool is_comparison(const nlohmann::json& j) {
  return j.is_object() && j.contains("metrics") && j["metrics"].is_array() &&
         j.contains("verdict") && j.contains("base") && j.contains("new");
}

// A `compare --json` file: both medians, the change, the shift with its
// interval and the test of each metric, in each metric's unit.
std::string comparison_section(const std::string& name, const nlohmann::json& j) {
  std::vector<std::vector<Cell>> rows;
  for (const auto& m : j["metrics"]) {
    if (!m.is_object()) continue;
    std::string metric = m.value("metric", "");
    auto value = [&](double v) {
      if (metric == "cpu_usage" || metric == "dropped_share") return percent(v, 1);
      if (metric == "max_rss_bytes") return bytes_text(v);
      if (metric == "program_time") return seconds_text(v);
      if (metric == "cpu_ns_per_span") return grouped(v, 0) + " ns";
      return grouped(v, 1);
    };
    stats::ShiftInterval shift;
    if (m.contains("shift") && m["shift"].is_object()) {
      const auto& sh = m["shift"];
      shift.defined = true;
      shift.estimate = sh.value("estimate", 0.0);
      shift.low = sh.value("low", 0.0);
      shift.high = sh.value("high", 0.0);
      shift.confidence = sh.value("confidence", 0.0);
      shift.reached = sh.value("reached", false);
    }
    std::string shift_cell = metric == "cpu_usage"       ? shift_text(shift, 1, 2, "points")
                             : metric == "dropped_share" ? shift_text(shift, 100, 2, "points")
                             : metric == "max_rss_bytes"
                                 ? shift_text(shift, 1.0 / (1 << 20), 2, "MiB")
                             : metric == "program_time"    ? shift_text(shift, 1, 3, "s")
                             : metric == "cpu_ns_per_span" ? shift_text(shift, 1, 0, "ns")
                                                           : shift_text(shift, 1, 1, "");
    double change = m.value("change_percent", 0.0);
    rows.push_back({{column_title(metric)},
                    num(value(m.value("base_median", 0.0))),
                    num(value(m.value("new_median", 0.0))),
                    num((change > 0 ? "+" : "") + grouped(change, 1) + "%"),
                    {shift_cell},
                    num(readable(m.value("p_value", 1.0))),
                    {m.value("significant", false) ? "yes" : "no"}});
  }
  std::string verdict = j.value("verdict", "");
  std::string s =
      fmt::format("<h3>{}</h3>\n<p>{} ({} runs) against {} ({} runs): <strong>{}</strong></p>\n",
                  html_escape(name), html_escape(j.value("new", "")), j.value("new_count", 0),
                  html_escape(j.value("base", "")), j.value("base_count", 0),
                  verdict == "changed"     ? "changed significantly"
                  : verdict == "no_change" ? "no significant change"
                  : verdict == "noisy"     ? "NOISY (no verdict)"
                                           : html_escape(verdict));
  return s + table({"metric", "base median", "new median", "change", "shift, new − base [CI]", "p",
                    "significant"},
                   rows, rows.size());
}

// One result document of a set, as read.
struct SetRun {
  std::string name;
  nlohmann::json doc;
};

// The runs of one result set, their summary and overhead, and a row each.
std::string result_set_section(const std::string& title, const std::vector<SetRun>& runs,
                               const std::string& status_text) {
  std::vector<NamedResult> measured;
  std::vector<std::vector<Cell>> rows;
  size_t failed = 0;
  for (const auto& r : runs) {
    Result x;
    try {
      x = result_from_json(r.doc);
    } catch (const nlohmann::json::exception&) {
      rows.push_back({{r.name}, {""}, {""}, {""}, {""}, {""}, {""}, {"not a readable result"}});
      ++failed;
      continue;
    }
    std::string note = r.doc.value("error", "");
    if (note.empty() && x.disturbed) note = "disturbed: " + x.disturbance;
    if (r.doc.contains("error")) {
      ++failed;
    } else {
      measured.push_back({r.name, x});
    }
    rows.push_back({{r.name},
                    {x.trace ? "yes" : "no"},
                    num(fmt::format("{} of {}", grouped(x.spans_per_second, 1),
                                    grouped(x.target_spans_per_second, 0))),
                    num(percent(x.cpu_usage, 1)),
                    num(percent(metric_value(x, SummaryMetric::dropped_share), 1)),
                    num(bytes_text(double(x.max_rss_bytes))),
                    num(seconds_text(x.clock_time)),
                    {note}});
  }
  std::string s = fmt::format("<h3>{}</h3>\n", html_escape(title));
  // A summary only of runs of one configuration.
  std::vector<std::string> differences;
  for (const auto& m : measured) {
    if (m.result.client != measured.front().result.client) {
      differences.push_back("client: " + measured.front().result.client + " vs " + m.result.client);
    }
    for (auto& d : settings_differences(measured.front().result, m.result)) {
      differences.push_back(std::move(d));
    }
    if (!differences.empty()) break;
  }
  if (measured.empty()) {
    s += "<p class=\"note\">no completed run to summarise.</p>\n";
  } else if (!differences.empty()) {
    s += fmt::format("<p class=\"note\">runs of different settings ({}): no summary.</p>\n",
                     html_escape(differences.front()));
  } else {
    RunSetSummary sum = summarize_runs(measured);
    std::string counts;
    for (const auto& set : sum.sets) {
      counts += fmt::format("{}{} {}", counts.empty() ? "" : " and ", set.runs, set.label);
    }
    s += fmt::format("<p>{}: {} run{}{}.</p>\n", html_escape(sum.description), counts,
                     measured.size() == 1 ? "" : "s",
                     failed ? fmt::format(" ({} failed, left out)", failed) : "");
    std::vector<std::vector<Cell>> srows;
    for (SummaryMetric m : kSummaryMetrics) {
      for (const auto& set : sum.sets) {
        const stats::Summary& f = set.of(m);
        auto t = [&](double v) { return metric_text(m, v); };
        srows.push_back({{fmt::format("{} {}", metric_label(m), set.label)},
                         num(t(f.median)),
                         num(t(f.mean) + " ± " + t(f.sd)),
                         num(t(f.min) + " – " + t(f.max))});
      }
    }
    s += table({"metric", "median", "mean ± sd", "min – max"}, srows, srows.size(), "summary");
    if (sum.overhead) {
      s += fmt::format(
          "<p><strong>Overhead</strong> (traced − untraced, span loop only; Hodges-Lehmann "
          "estimate with its {}% confidence interval): CPU share {}, CPU per span {}.</p>\n",
          grouped(sum.confidence * 100, 0),
          html_escape(shift_text(sum.overhead->cpu_points, 1, 2, "points")),
          html_escape(shift_text(sum.overhead->cpu_ns_per_span, 1, 0, "ns")));
    }
  }
  if (!status_text.empty()) s += "<p class=\"verdict\">" + html_escape(status_text) + "</p>\n";
  s += fmt::format("<details><summary>{} runs</summary>\n", grouped(int64_t(rows.size())));
  s += table({"run", "traced", "spans/s", "CPU", "dropped", "peak RSS", "took", "note"},
             {rows.begin(), rows.begin() + std::min(rows.size(), kMaxTableRows)}, rows.size());
  s += "</details>\n";
  return s;
}

const char* kStyle = R"(
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 1.5em auto; padding: 0 1em; max-width: 1200px;
  color: #222; line-height: 1.4; overflow-wrap: break-word; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; max-width: 100%; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; } td:first-child { min-width: 6em; }
figure { margin: 1em 0; } figcaption { font-size: 0.9em; color: #555; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
details { margin: 0.5em 0 1em; } summary { cursor: pointer; color: #444; }
.note, .made { font-size: 0.9em; color: #555; } .verdict { font-weight: 600; }
.warning { color: #a40000; font-weight: 600; }
table.leaderboard { width: 100%; } table.leaderboard td:first-child { min-width: 0; }
table.leaderboard td, table.leaderboard td.num { overflow-wrap: normal; white-space: normal; }
pre { background: #f7f7f7; padding: 0.5em; white-space: pre-wrap; }
td, code { overflow-wrap: anywhere; }
)";

// Marks each image once decoded; #image-check summarises (read by tests).
const char* kScript = R"(
function spanbenchCheckImages() {
  const imgs = Array.from(document.images);
  let ok = 0;
  for (const img of imgs) {
    const good = img.complete && img.naturalWidth > 0;
    img.dataset.ok = good ? "1" : "0";
    if (good) ok++;
  }
  const el = document.getElementById("image-check");
  el.dataset.images = String(imgs.length);
  el.dataset.rendered = String(ok);
  el.textContent = imgs.length ? ok + " of " + imgs.length + " images rendered" : "";
}
window.addEventListener("load", spanbenchCheckImages);
)";

// "box (AMD EPYC, 2 CPUs, Linux 6.1)", leaving out what the record lacks.
std::string machine_line(const nlohmann::json& m) {
  if (!m.is_object()) return "an unknown machine";
  std::vector<std::string> parts;
  if (m.contains("cpu_model")) parts.push_back(value_text(m["cpu_model"]));
  if (m.contains("num_cpus")) parts.push_back(value_text(m["num_cpus"]) + " CPUs");
  if (m.contains("kernel")) parts.push_back(value_text(m["kernel"]));
  std::string s = m.contains("host") ? value_text(m["host"]) : "an unnamed machine";
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : " (") + parts[i];
  return parts.empty() ? s : s + ")";
}

}  // namespace

ReportContext current_report_context() {
  ReportContext c{machine_context(), SPANBENCH_VERSION, SPANBENCH_GIT_COMMIT, utc_now_text()};
  c.web_dir = find_report_web_dir();
  return c;
}

namespace {

// What a report folder holds, sorted by kind as the files are read.
struct ReportInputs {
  std::string tables, summaries;    // HTML sections
  std::vector<std::string> inputs;  // the files the page shows, relative
  // Result documents by folder (or JSON-lines file): one result set each.
  std::map<fs::path, std::vector<SetRun>> result_sets;
  std::map<fs::path, std::string> status_texts;  // run --repeat summary.json, by folder
  // Graphs by path without extension: each shown once, SVG rather than PNG.
  std::map<fs::path, fs::path> graph_files;
};

void add_csv(ReportInputs& in, const fs::path& f, const std::string& rel) {
  std::vector<CsvRow> rows = parse_csv(read_file(f));
  if (rows.empty()) return;
  in.inputs.push_back(rel);
  const CsvRow& header = rows.front();
  size_t total = rows.size() - 1;
  std::vector<std::vector<Cell>> body;
  for (size_t i = 1; i < rows.size() && body.size() < kMaxTableRows; ++i) {
    std::vector<Cell> cells;
    for (size_t c = 0; c < rows[i].size(); ++c) {
      cells.push_back(csv_cell(c < header.size() ? header[c] : "", rows[i][c]));
    }
    body.push_back(std::move(cells));
  }
  std::vector<std::string> titles;
  for (const auto& h : header) titles.push_back(column_title(h));
  in.tables += fmt::format("<details><summary>{} ({} rows)</summary>\n", html_escape(rel),
                           grouped(int64_t(total))) +
               table(titles, body, total) + "</details>\n";
}

// A .json file holds one document, a .jsonl file one per line.
void add_json(ReportInputs& in, const fs::path& f, const std::string& rel) {
  const bool lines_file = f.extension() == ".jsonl";
  std::string text = read_file(f);
  std::vector<nlohmann::json> docs;
  if (!lines_file) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_discarded()) docs.push_back(std::move(j));
  } else {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) docs.push_back(std::move(j));
    }
  }
  bool used = false;
  for (size_t k = 0; k < docs.size(); ++k) {
    const auto& j = docs[k];
    std::string name =
        !lines_file ? f.filename().string() : fmt::format("{}:{}", f.filename().string(), k + 1);
    if (is_result_document(j)) {
      in.result_sets[!lines_file ? f.parent_path() : f].push_back({name, j});
      used = true;
    } else if (is_regress_summary(j)) {
      in.summaries += regress_section(rel, j);
      used = true;
    } else if (is_comparison(j)) {
      in.summaries += comparison_section(rel, j);
      used = true;
    } else if (is_repeat_summary(j)) {
      in.status_texts[f.parent_path()] = j.value("status_text", "");
      used = true;
    }
  }
  if (used) in.inputs.push_back(rel);
}

ReportInputs read_report_folder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(dir.string() +
                     " is not a folder: pass the --out folder of regress, graph or run --repeat");
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());

  ReportInputs in;
  for (const auto& f : files) {
    std::string ext = f.extension().string();
    std::string rel = fs::relative(f, dir).generic_string();
    if ((ext == ".png" || ext == ".svg") && !is_profile_graph_file(f)) {
      auto stem = fs::path(f).replace_extension();
      auto it = in.graph_files.find(stem);
      if (it == in.graph_files.end() || ext == ".svg") in.graph_files[stem] = f;
    } else if (ext == ".csv") {
      add_csv(in, f, rel);
    } else if (ext == ".json" || ext == ".jsonl") {
      add_json(in, f, rel);
    } else if (ext == ".xml") {
      std::string xml = read_file(f);
      if (xml.find("<testsuite") != std::string::npos) {
        in.summaries += junit_section(rel, xml);
        in.inputs.push_back(rel);
      }
    }
  }
  return in;
}

// Each graph once, inlined; counts them for the page's image check.
std::string graphs_section(ReportInputs& in, const fs::path& dir, size_t& images) {
  std::string graphs;
  for (const auto& [stem, f] : in.graph_files) {
    std::string ext = f.extension().string();
    std::string rel = fs::relative(f, dir).generic_string();
    std::string mime = ext == ".png" ? "image/png" : "image/svg+xml";
    graphs += fmt::format(
        "<figure><img alt=\"{0}\" src=\"data:{1};base64,{2}\" onload=\"spanbenchCheckImages()\" "
        "onerror=\"spanbenchCheckImages()\"><figcaption>{0}</figcaption></figure>\n",
        html_escape(rel), mime, base64_encode(read_file(f)));
    in.inputs.push_back(rel);
    ++images;
  }
  return graphs;
}

// run --repeat folders: their traced and untraced halves are one set.
void merge_repeat_halves(std::map<fs::path, std::vector<SetRun>>& result_sets) {
  for (auto it = result_sets.begin(); it != result_sets.end();) {
    fs::path parent = it->first.parent_path();
    bool half = it->first.filename() == "traced" || it->first.filename() == "untraced";
    if (half && result_sets.count(parent / "traced") && result_sets.count(parent / "untraced") &&
        !result_sets.count(parent)) {
      std::vector<SetRun> both;
      for (const char* side : {"traced", "untraced"}) {
        for (auto& r : result_sets[parent / side]) {
          both.push_back({std::string(side) + "/" + r.name, std::move(r.doc)});
        }
      }
      result_sets.erase(parent / "traced");
      result_sets.erase(parent / "untraced");
      result_sets[parent] = std::move(both);
      it = result_sets.upper_bound(parent);
    } else {
      ++it;
    }
  }
}

// Whether `p` is `folder` or below it.
bool is_under(const fs::path& p, const fs::path& folder) {
  auto rel = p.lexically_normal().lexically_relative(folder.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

// Each result set; a sweep's many (one per client, rate and mode) folded
// under one line, as its leaderboard sums them up.
std::string result_sets_section(const ReportInputs& in, const fs::path& dir,
                                const std::optional<fs::path>& sweep) {
  std::string sets, sweep_sets;
  size_t in_sweep = 0;
  for (const auto& [where, runs] : in.result_sets) {
    std::string rel = fs::relative(where, dir).generic_string();
    auto status = in.status_texts.find(where);
    std::string section =
        result_set_section(rel == "." ? "results in ./" : "results in " + rel, runs,
                           status == in.status_texts.end() ? "" : status->second);
    if (sweep && is_under(where, *sweep)) {
      sweep_sets += section;
      ++in_sweep;
    } else {
      sets += section;
    }
  }
  if (in_sweep) {
    sets += fmt::format(
        "<details><summary>the sweep's {} result sets (a client, a rate and a satellite mode "
        "each)</summary>\n{}</details>\n",
        grouped(int64_t(in_sweep)), sweep_sets);
  }
  return sets;
}

// The sweep's leaderboard: a table and a graph per rate.
std::string leaderboard_section(const fs::path& sweep, const fs::path& dir,
                                const ReportContext& context, ReportInputs& in, size_t& images) {
  LeaderboardOptions options;
  options.tracer_descriptions = context.tracer_descriptions;
  Leaderboard b = read_leaderboard(sweep, options);
  std::string rel = fs::relative(sweep, dir).generic_string();
  in.inputs.push_back((rel == "." ? "" : rel + "/") + "plan.json");
  std::string s =
      fmt::format("<p>The sweep in <code>{}</code>: {}.</p>\n",
                  html_escape(rel == "." ? "./" : rel), html_escape(leaderboard_description(b)));
  for (const auto& w : b.warnings) s += "<p class=\"warning\">" + html_escape(w) + "</p>\n";
  if (b.tables.empty()) return s + "<p class=\"note\">no measured run yet.</p>\n";
  const auto columns = leaderboard_columns(b);
  std::vector<std::string> titles;
  for (const auto& c : columns) titles.push_back(c.title);
  // Graphs are drawn in a folder of their own and inlined.
  static std::atomic<int> drawn{0};
  const fs::path scratch =
      fs::temp_directory_path() / fmt::format("spanbench-report-{}-{}", ::getpid(), ++drawn);
  for (const auto& t : b.tables) {
    s += fmt::format("<h3 id=\"leaderboard-{}\">{} spans/s</h3>\n", csv_number(t.rate),
                     html_escape(rate_text(t.rate)));
    for (const auto& w : t.warnings) s += "<p class=\"warning\">" + html_escape(w) + "</p>\n";
    std::vector<std::vector<Cell>> rows;
    for (size_t i = 0; i < t.rows.size(); ++i) {
      std::vector<Cell> cells;
      auto texts = leaderboard_cells(b, t.rows[i], i + 1);
      for (size_t c = 0; c < texts.size(); ++c) {
        // An interval breaks before its bracket, never inside it.
        std::string text = texts[c];
        for (size_t p = text.find(", "); columns[c].number && p != std::string::npos;
             p = text.find(", ", p)) {
          text.replace(p, 2, ",\u00a0");
        }
        cells.push_back({text, columns[c].number});
      }
      rows.push_back(std::move(cells));
    }
    s += table(titles, rows, rows.size(), "leaderboard");
    BarChart chart = leaderboard_chart(b, t);
    if (chart.values.empty()) continue;
    std::string name = "leaderboard-" + csv_number(t.rate);
    try {
      render_plot(chart, scratch / name);
      s += fmt::format(
          "<figure><img alt=\"{0}\" src=\"data:image/svg+xml;base64,{1}\" "
          "onload=\"spanbenchCheckImages()\" onerror=\"spanbenchCheckImages()\"><figcaption>{0}: "
          "each bar the estimate, each error bar its interval</figcaption></figure>\n",
          html_escape(chart.title), base64_encode(read_file(scratch / (name + ".svg"))));
      ++images;
    } catch (const Error& e) {
      s += "<p class=\"note\">graph not drawn: " + html_escape(e.what()) + "</p>\n";
    }
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  s += "<p class=\"note\">" + html_escape(leaderboard_legend(b)) + "</p>\n";
  return s;
}

// The top of the page: when, by what, on which machine, from which folder.
std::string provenance(const ReportInputs& in, const std::string& folder,
                       const ReportContext& context, size_t images) {
  std::string commit = context.git_commit.empty() ? "" : " (commit " + context.git_commit + ")";
  std::string s = fmt::format(
      "<p class=\"made\" id=\"made\">Made {} by spanbench {}{} on {}, from <code>{}</code> ({} "
      "files).</p>\n",
      html_escape(context.created), html_escape(context.version), html_escape(commit),
      html_escape(machine_line(context.machine)), html_escape(folder),
      grouped(int64_t(in.inputs.size())));
  // The machines the results were measured on, as their files say.
  std::set<std::string> measured_on;
  for (const auto& [where, runs] : in.result_sets) {
    for (const auto& r : runs) {
      if (r.doc.contains("context")) measured_on.insert(machine_line(r.doc["context"]));
    }
  }
  for (const auto& m : measured_on) {
    s += fmt::format("<p class=\"made\">Results measured on {}.</p>\n", html_escape(m));
  }
  s += fmt::format(
      "<p id=\"image-check\" class=\"note\" data-images=\"{}\" data-rendered=\"0\">images not "
      "checked yet</p>\n",
      images);
  return s;
}

// The files read and the machine the page was made on, at the bottom.
std::string made_from(const ReportInputs& in, const std::string& folder,
                      const ReportContext& context) {
  std::vector<std::vector<Cell>> machine_rows;
  if (context.machine.is_object()) {
    for (const auto& [k, v] : context.machine.items()) {
      machine_rows.push_back({{k}, {value_text(v)}});
    }
  }
  std::string s = "<h2>Made from</h2>\n<details><summary>the files read, under <code>" +
                  html_escape(folder) + "</code></summary>\n<ul>\n";
  for (const auto& i : in.inputs) s += "<li><code>" + html_escape(i) + "</code></li>\n";
  s += "</ul>\n</details>\n";
  s += "<details><summary>the machine this report was made on</summary>\n" +
       table({"property", "value"}, machine_rows, machine_rows.size()) + "</details>\n";
  return s;
}

}  // namespace

std::string html_report(const fs::path& dir, const ReportContext& context) {
  ReportInputs in = read_report_folder(dir);
  size_t images = 0;
  const auto sweep = find_sweep_folder(dir);
  const std::string leaderboard =
      sweep ? leaderboard_section(*sweep, dir, context, in, images) : "";
  const std::string graphs = graphs_section(in, dir, images);
  merge_repeat_halves(in.result_sets);
  const std::string sets = result_sets_section(in, dir, sweep);
  ProfileSectionHtml profiles = profile_report_section(dir, context.web_dir);
  images += profiles.images;
  in.inputs.insert(in.inputs.end(), profiles.inputs.begin(), profiles.inputs.end());
  if (leaderboard.empty() && graphs.empty() && in.tables.empty() && in.summaries.empty() &&
      sets.empty() && profiles.body.empty()) {
    throw Error("nothing to report in " + dir.string() +
                ": no PNG/SVG graphs, CSV, result JSON or JUnit files found there");
  }
  std::sort(in.inputs.begin(), in.inputs.end());

  const std::string folder = fs::absolute(dir).lexically_normal().string();
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  s += fmt::format("<title>spanbench report: {}</title>\n", html_escape(dir.filename().string()));
  s += fmt::format("<style>{}</style>\n<script>{}</script>\n{}</head>\n<body>\n", kStyle, kScript,
                   profiles.head);
  s += "<h1>spanbench report</h1>\n" + provenance(in, folder, context, images);
  if (!leaderboard.empty()) s += "<h2>Leaderboard</h2>\n" + leaderboard;
  if (!sets.empty()) s += "<h2>Result sets</h2>\n" + sets;
  if (!profiles.body.empty()) s += "<h2>Where the CPU goes</h2>\n" + profiles.body;
  if (!in.summaries.empty()) s += "<h2>Checks and comparisons</h2>\n" + in.summaries;
  if (!graphs.empty()) s += "<h2>Graphs</h2>\n" + graphs;
  if (!in.tables.empty()) s += "<h2>Data</h2>\n" + in.tables;
  s += made_from(in, folder, context);
  s += "</body>\n</html>\n";
  return s;
}

}  // namespace spanbench
