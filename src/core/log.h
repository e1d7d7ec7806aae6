#pragma once

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

namespace spanbench {

// The library's logger. Until init_logging() it discards everything, so the
// library never prints on its own.
spdlog::logger& log();

// Sends info-and-up to DIR/spanbench.log and everything to
// DIR/spanbench-verbose.log. Creates DIR.
void init_logging(const std::filesystem::path& dir);

}  // namespace spanbench
