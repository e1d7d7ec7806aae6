#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.h"

namespace spanbench {
namespace {

[[noreturn]] void fail_write(const std::filesystem::path& file, const std::string& reason) {
  throw Error("cannot write " + file.string() + ": " + reason +
              " (check the folder exists, is writable and the disk is not full)");
}

// Writes all of `content` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<std::string> try_read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(ss).str();
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const std::string reason = std::strerror(errno);
    throw Error("cannot read " + file.string() + ": " + reason + " (check the path)");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("cannot read " + file.string() + ": read error");
  return std::move(ss).str();
}

void write_file_atomically(const std::filesystem::path& file, std::string_view content) {
  const std::filesystem::path folder =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) fail_write(file, "cannot create " + folder.string() + ": " + ec.message());

  // A unique temporary name in the same folder (so the rename stays on one
  // file system), hidden so a half-written file is never mistaken for a result.
  std::string tmp = (folder / ("." + file.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail_write(file, std::strerror(errno));
  auto discard = [&](const std::string& reason) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail_write(file, reason);
  };
  // mkstemp creates the file 0600; results are for everyone to read.
  if (::fchmod(fd, 0644) != 0) discard(std::strerror(errno));
  if (!write_all(fd, content)) discard(std::strerror(errno));
  if (::fsync(fd) != 0) discard(std::strerror(errno));
  if (::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    fail_write(file, reason);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    fail_write(file, reason);
  }
}

}  // namespace spanbench
