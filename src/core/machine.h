#pragma once

#include <nlohmann/json_fwd.hpp>

namespace spanbench {

// The machine a result was measured on (as Google Benchmark's context):
// host, CPU model and count, frequency scaling, kernel, spanbench version.
nlohmann::json machine_context();

}  // namespace spanbench
