#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/summary.h"

namespace spanbench {

// What the exports of a run or a run set say: the runs measured so far,
// their summary, and how far the set got. The CLI fills it after every
// run, so that an interrupted or failed set keeps what it measured.
struct RunSetExport {
  std::vector<NamedResult> runs;  // measured runs, in the order they ran
  RunSetSummary summary;          // of `runs`
  // Runs that failed, "traced/run-004.json: the client exited with 1".
  std::vector<std::string> failed;
  size_t planned_runs = 0;  // how many the set was to have (0: as many as it has)
  // One line on what the figures mean (run --repeat's verdict), or empty.
  std::string verdict;
  std::string created;  // ISO 8601 UTC
  std::string spanbench_version;
  std::string git_commit;
  nlohmann::json machine;  // machine_context(), or null
  bool complete() const {
    return failed.empty() && (planned_runs == 0 || runs.size() >= planned_runs);
  }
};

// A RunSetExport of `runs` with its summary, created now by this build.
RunSetExport make_export(std::vector<NamedResult> runs, size_t planned_runs = 0);

// One file format (as hyperfine's exporters): the whole document, from scratch.
class Exporter {
 public:
  virtual ~Exporter() = default;
  virtual std::string serialize(const RunSetExport& e) const = 0;
};

// Summary table per metric and set, the overhead with its interval, then
// a row per run; numbers formatted for people.
class MarkdownExporter : public Exporter {
 public:
  std::string serialize(const RunSetExport& e) const override;
};

// One row per set and metric (median, mean, stddev, min, max, in the
// metric's unit as in result files) and one per overhead figure
// (estimate, ci_low, ci_high, confidence); full precision.
class CsvExporter : public Exporter {
 public:
  std::string serialize(const RunSetExport& e) const override;
};

// The summary, the overhead, the verdict and every run's full result.
class JsonExporter : public Exporter {
 public:
  std::string serialize(const RunSetExport& e) const override;
};

enum class ExportFormat { markdown, csv, json };
std::unique_ptr<Exporter> make_exporter(ExportFormat format);

// The files to export to (as hyperfine's ExportManager). write() rewrites
// each one in full, atomically (temporary file and rename), so a reader
// never sees half a file and each call leaves a complete document.
class ExportManager {
 public:
  // Throws UsageError when two formats name the same file.
  void add(ExportFormat format, const std::filesystem::path& file);
  bool empty() const { return targets_.empty(); }
  // Throws spanbench::Error when a file cannot be written.
  void write(const RunSetExport& e) const;
  std::vector<std::filesystem::path> files() const;

 private:
  struct Target {
    std::filesystem::path file;
    ExportFormat format;
    std::unique_ptr<Exporter> exporter;
  };
  std::vector<Target> targets_;
};

}  // namespace spanbench
