#include "report/export.h"

#include <set>

#include "core/error.h"
#include "core/file_io.h"
#include "core/machine.h"
#include "report/format.h"

namespace spanbench {

RunSetExport make_export(std::vector<NamedResult> runs, size_t planned_runs) {
  RunSetExport e;
  e.summary = summarize_runs(runs);
  e.runs = std::move(runs);
  e.planned_runs = planned_runs;
  e.created = utc_now_iso();
  e.spanbench_version = SPANBENCH_VERSION;
  e.git_commit = SPANBENCH_GIT_COMMIT;
  e.machine = machine_context();
  return e;
}

std::unique_ptr<Exporter> make_exporter(ExportFormat format) {
  switch (format) {
    case ExportFormat::markdown:
      return std::make_unique<MarkdownExporter>();
    case ExportFormat::csv:
      return std::make_unique<CsvExporter>();
    case ExportFormat::json:
      return std::make_unique<JsonExporter>();
  }
  return nullptr;
}

namespace {
const char* format_name(ExportFormat f) {
  switch (f) {
    case ExportFormat::markdown:
      return "Markdown";
    case ExportFormat::csv:
      return "CSV";
    case ExportFormat::json:
      return "JSON";
  }
  return "?";
}
}  // namespace

void ExportManager::add(ExportFormat format, const std::filesystem::path& file) {
  for (const auto& t : targets_) {
    if (t.file.lexically_normal() == file.lexically_normal()) {
      throw UsageError(std::string("the ") + format_name(t.format) + " and " + format_name(format) +
                       " exports both name " + file.string() + ": give each format its own file");
    }
  }
  targets_.push_back({file, format, make_exporter(format)});
}

void ExportManager::write(const RunSetExport& e) const {
  for (const auto& t : targets_) {
    write_file_atomically(t.file, t.exporter->serialize(e));
  }
}

std::vector<std::filesystem::path> ExportManager::files() const {
  std::vector<std::filesystem::path> out;
  for (const auto& t : targets_) out.push_back(t.file);
  return out;
}

}  // namespace spanbench
