#include "core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/null_sink.h>

#include "core/error.h"

namespace spanbench {
namespace {
std::shared_ptr<spdlog::logger>& logger_slot() {
  static std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>(
      "spanbench", std::make_shared<spdlog::sinks::null_sink_mt>());
  return logger;
}
}  // namespace

spdlog::logger& log() { return *logger_slot(); }

void init_logging(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw Error("cannot create log directory " + dir.string() + ": " + ec.message());
  }
  try {
    auto info =
        std::make_shared<spdlog::sinks::basic_file_sink_mt>((dir / "spanbench.log").string());
    info->set_level(spdlog::level::info);
    auto verbose = std::make_shared<spdlog::sinks::basic_file_sink_mt>(
        (dir / "spanbench-verbose.log").string());
    verbose->set_level(spdlog::level::trace);
    auto logger =
        std::make_shared<spdlog::logger>("spanbench", spdlog::sinks_init_list{info, verbose});
    logger->set_level(spdlog::level::trace);
    logger->flush_on(spdlog::level::info);
    logger_slot() = logger;
  } catch (const spdlog::spdlog_ex& e) {
    throw Error(std::string("cannot open log files in ") + dir.string() + ": " + e.what());
  }
}

}  // namespace spanbench
