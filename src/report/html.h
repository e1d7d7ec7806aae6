#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace spanbench {

std::string base64_encode(const std::string& bytes);
std::string html_escape(const std::string& text);

// One self-contained HTML page of everything spanbench left in `dir`:
// graphs (PNG and SVG, inlined as data URIs), CSV tables, result JSON
// documents (one table per folder), regress summaries and JUnit reports,
// plus the machine (`machine`, as machine_context()) and `version`.
// The page's own script marks every <img> data-ok="1" once it decoded and
// writes "N of M images rendered" into #image-check, so a headless browser
// can prove the page renders. Throws spanbench::Error when `dir` is not a
// readable folder or holds nothing to report.
std::string html_report(const std::filesystem::path& dir, const nlohmann::json& machine,
                        const std::string& version);

}  // namespace spanbench
