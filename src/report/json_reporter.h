#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>

#include "controller/calibration.h"
#include "core/result.h"

namespace spanbench {

// A result document: the Result's docs/protocol.md fields at top level, plus the
// calibration used and the machine context.
nlohmann::json result_document(const Result& r, const std::optional<Calibration>& calibration);
// Writes via a temporary file and rename, so a crash never leaves half a file.
void write_json_file(const nlohmann::json& doc, const std::filesystem::path& file);

}  // namespace spanbench
