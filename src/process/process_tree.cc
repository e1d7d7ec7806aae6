#include "process/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

namespace spanbench {

std::optional<pid_t> parse_stat_ppid(std::string_view text) {
  auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // ") S 1234 ..." : skip ") ", the state letter and a space.
  if (close + 4 >= text.size()) return std::nullopt;
  std::string_view rest = text.substr(close + 4);
  pid_t ppid = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), ppid);
  if (ec != std::errc() || end == rest.data()) return std::nullopt;
  return ppid;
}

namespace {

std::optional<pid_t> read_ppid(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof(buf));
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return parse_stat_ppid(std::string_view(buf, static_cast<size_t>(n)));
}

}  // namespace

std::vector<pid_t> process_descendants(pid_t root) {
  std::unordered_multimap<pid_t, pid_t> children;
  if (DIR* dir = opendir("/proc")) {
    while (dirent* e = readdir(dir)) {
      pid_t pid = 0;
      std::string_view name(e->d_name);
      auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
      if (ec != std::errc() || end != name.data() + name.size() || pid <= 0) continue;
      if (auto ppid = read_ppid(pid)) children.emplace(*ppid, pid);
    }
    closedir(dir);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo = {root};
  // Readings of different processes are not one snapshot; a reused pid must
  // not make the walk go round in circles.
  std::unordered_set<pid_t> seen = {root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    auto [first, last] = children.equal_range(p);
    for (auto it = first; it != last; ++it) {
      if (!seen.insert(it->second).second) continue;
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

}  // namespace spanbench
