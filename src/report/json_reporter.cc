#include "report/json_reporter.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_io.h"
#include "core/machine.h"

namespace spanbench {

nlohmann::json result_document(const Result& r, const std::optional<Calibration>& calibration) {
  nlohmann::json doc = to_json(r);
  if (calibration) doc["calibration"] = to_json(*calibration);
  doc["context"] = machine_context();
  return doc;
}

void write_json_file(const nlohmann::json& doc, const std::filesystem::path& file) {
  write_file_atomically(file, doc.dump(2) + "\n");
}

}  // namespace spanbench
