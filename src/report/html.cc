#include "report/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "report/csv.h"
#include "report/junit.h"

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

std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows, size_t total_rows) {
  std::string s = "<table>\n<thead><tr>";
  for (const auto& h : header) s += "<th>" + html_escape(h) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows) {
    s += "<tr>";
    for (const auto& c : r) s += "<td>" + html_escape(c) + "</td>";
    s += "</tr>\n";
  }
  s += "</tbody></table>\n";
  if (total_rows > rows.size()) {
    s += fmt::format("<p class=\"note\">first {} of {} rows shown; the file has them all.</p>\n",
                     rows.size(), total_rows);
  }
  return s;
}

std::string number_text(const nlohmann::json& v) {
  if (v.is_number_float()) return fmt::format("{:.4g}", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

bool is_result_document(const nlohmann::json& j) {
  return j.is_object() && j.contains("spans_sent") && j.contains("cpu_usage");
}

bool is_regress_summary(const nlohmann::json& j) {
  return j.is_object() && j.value("suite", "") == "regress" && j.contains("checks");
}

// Result columns shown per run (docs/protocol.md scalars).
const std::vector<std::string> kResultColumns = {
    "client",       "trace",          "target_spans_per_second", "target_runtime",
    "spans_sent",   "spans_received", "dropped_spans",           "cpu_usage",
    "program_time", "clock_time",     "spans_per_second",        "max_rss_bytes"};

std::vector<std::string> result_row(const std::string& name, const nlohmann::json& j) {
  std::vector<std::string> row{name};
  for (const auto& c : kResultColumns) row.push_back(j.contains(c) ? number_text(j[c]) : "");
  row.push_back(j.contains("error") ? number_text(j["error"]) : "");
  return row;
}

std::string regress_section(const std::string& name, const nlohmann::json& j) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : j["checks"]) {
    // "verdict" (pass, fail, noisy) since noise detection; older files have "passed" only.
    std::string verdict = c.value("verdict", c.value("passed", false) ? "pass" : "fail");
    std::string detail = c.value("detail", "");
    if (!c.value("noise", "").empty())
      detail = "no verdict: " + c.value("noise", "") + "; " + detail;
    rows.push_back({c.value("name", ""), c.value("measured_text", ""), c.value("limit_text", ""),
                    verdict == "pass"    ? "PASS"
                    : verdict == "noisy" ? "NOISY"
                                         : "FAIL",
                    detail});
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
  std::vector<std::vector<std::string>> rows;
  for (size_t p = xml.find("<testcase "); p != std::string::npos;
       p = xml.find("<testcase ", p + 1)) {
    size_t next = xml.find("<testcase ", p + 1);
    size_t fail = xml.find("<failure ", p);
    bool failed = fail != std::string::npos && (next == std::string::npos || fail < next);
    rows.push_back({xml_attribute(xml, p, "classname"), xml_attribute(xml, p, "name"),
                    xml_attribute(xml, p, "time"), failed ? "FAIL" : "PASS",
                    failed ? xml_attribute(xml, fail, "message") : ""});
  }
  return fmt::format("<h3>{}</h3>\n", html_escape(name)) +
         table({"class", "test", "seconds", "verdict", "failure"}, rows, rows.size());
}

const char* kStyle = R"(
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0; } figcaption { font-size: 0.9em; color: #555; }
img { max-width: 100%; border: 1px solid #eee; }
.note { font-size: 0.85em; color: #666; } pre { background: #f7f7f7; padding: 0.5em; overflow-x: auto; }
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
  el.textContent = ok + " of " + imgs.length + " images rendered";
}
window.addEventListener("load", spanbenchCheckImages);
)";

}  // namespace

std::string html_report(const fs::path& dir, const nlohmann::json& machine,
                        const std::string& version) {
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

  std::string graphs, tables, summaries;
  // Result documents grouped by folder: one table per result set.
  std::map<fs::path, std::vector<std::vector<std::string>>> result_sets;
  size_t images = 0;
  for (const auto& f : files) {
    std::string ext = f.extension().string();
    std::string rel = fs::relative(f, dir).string();
    if (ext == ".png" || ext == ".svg") {
      std::string mime = ext == ".png" ? "image/png" : "image/svg+xml";
      graphs += fmt::format(
          "<figure><img alt=\"{0}\" src=\"data:{1};base64,{2}\" onload=\"spanbenchCheckImages()\" "
          "onerror=\"spanbenchCheckImages()\"><figcaption>{0}</figcaption></figure>\n",
          html_escape(rel), mime, base64_encode(read_file(f)));
      ++images;
    } else if (ext == ".csv") {
      std::vector<CsvRow> rows = parse_csv(read_file(f));
      if (rows.empty()) continue;
      CsvRow header = rows.front();
      size_t total = rows.size() - 1;
      std::vector<std::vector<std::string>> body(rows.begin() + 1,
                                                 rows.begin() + 1 + std::min(total, kMaxTableRows));
      tables += fmt::format("<h3>{}</h3>\n", html_escape(rel)) + table(header, body, total);
    } else if (ext == ".json" || ext == ".jsonl") {
      std::string text = read_file(f);
      std::vector<nlohmann::json> docs;
      if (ext == ".json") {
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
      for (size_t k = 0; k < docs.size(); ++k) {
        const auto& j = docs[k];
        std::string name = ext == ".json" ? f.filename().string()
                                          : fmt::format("{}:{}", f.filename().string(), k + 1);
        if (is_result_document(j)) {
          result_sets[ext == ".json" ? f.parent_path() : f].push_back(result_row(name, j));
        } else if (is_regress_summary(j)) {
          summaries += regress_section(rel, j);
        }
      }
    } else if (ext == ".xml") {
      std::string xml = read_file(f);
      if (xml.find("<testsuite") != std::string::npos) summaries += junit_section(rel, xml);
    }
  }
  for (const auto& [where, rows] : result_sets) {
    std::vector<std::string> header{"run"};
    header.insert(header.end(), kResultColumns.begin(), kResultColumns.end());
    header.push_back("error");
    std::string rel = fs::relative(where, dir).string();
    tables += fmt::format("<h3>results in {}</h3>\n", html_escape(rel == "." ? "./" : rel)) +
              table(header, {rows.begin(), rows.begin() + std::min(rows.size(), kMaxTableRows)},
                    rows.size());
  }
  if (graphs.empty() && tables.empty() && summaries.empty()) {
    throw Error("nothing to report in " + dir.string() +
                ": no PNG/SVG graphs, CSV, result JSON or JUnit files found there");
  }

  std::vector<std::vector<std::string>> machine_rows;
  for (const auto& [k, v] : machine.items()) machine_rows.push_back({k, number_text(v)});

  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  s += fmt::format("<title>spanbench report: {}</title>\n", html_escape(dir.filename().string()));
  s += fmt::format("<style>{}</style>\n<script>{}</script>\n</head>\n<body>\n", kStyle, kScript);
  s +=
      fmt::format("<h1>spanbench report</h1>\n<p>from <code>{}</code>, spanbench {}</p>\n",
                  html_escape(fs::absolute(dir).lexically_normal().string()), html_escape(version));
  s += fmt::format(
      "<p id=\"image-check\" data-images=\"{}\" data-rendered=\"0\">images not checked yet</p>\n",
      images);
  s += "<h2>Machine</h2>\n" + table({"property", "value"}, machine_rows, machine_rows.size());
  if (!summaries.empty()) s += "<h2>Checks</h2>\n" + summaries;
  if (!graphs.empty()) s += "<h2>Graphs</h2>\n" + graphs;
  if (!tables.empty()) s += "<h2>Data</h2>\n" + tables;
  s += "</body>\n</html>\n";
  return s;
}

}  // namespace spanbench
