#pragma once

// Reading and writing whole files. Every file spanbench writes (results,
// calibrations, CSV, JUnit, HTML, gnuplot scripts) goes through
// write_file_atomically, so a crash or a full disk leaves either the old file
// or the new one, never half of one.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace spanbench {

// The whole content of `file`. Throws Error naming the path (and the
// system's reason) when it cannot be opened or read.
std::string read_file(const std::filesystem::path& file);

// The whole content of `file`, or nullopt when it cannot be opened (for files
// that may be absent, such as /proc entries of a process that has exited, and
// for callers that give their own advice).
std::optional<std::string> try_read_file(const std::filesystem::path& file);

// Replaces `file` with `content`: creates the parent folders, writes a
// temporary file in the same folder, flushes it to disk (fsync), then renames
// it over `file`. Throws Error naming the path when any step fails; the old
// content, if any, is then left as it was and no temporary file remains.
void write_file_atomically(const std::filesystem::path& file, std::string_view content);

}  // namespace spanbench
