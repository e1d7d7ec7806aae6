#include "report/json_reporter.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/machine.h"

namespace spanbench {

nlohmann::json result_document(const Result& r, const std::optional<Calibration>& calibration) {
  nlohmann::json doc = to_json(r);
  if (calibration) doc["calibration"] = to_json(*calibration);
  doc["context"] = machine_context();
  return doc;
}

void write_json_file(const nlohmann::json& doc, const std::filesystem::path& file) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    out << doc.dump(2) << "\n";
    if (!out)
      throw Error("cannot write " + file.string() + ": check the folder exists and is writable");
  }
  std::filesystem::rename(tmp, file);
}

}  // namespace spanbench
