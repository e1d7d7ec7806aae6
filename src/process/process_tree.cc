#include "process/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string>
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

namespace {

// /proc/PID/task/TID/children lists the children of each thread
// (CONFIG_PROC_CHILDREN): walking a small tree through it reads a few files
// instead of every process's stat.
bool children_files_exist() {
  static const bool exist = [] {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/children", static_cast<int>(gettid()));
    return access(path, R_OK) == 0;
  }();
  return exist;
}

void append_children(pid_t pid, std::vector<pid_t>& out) {
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (!dir) return;  // gone
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string path = task_dir + "/" + e->d_name + "/children";
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(n));
    ::close(fd);
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
      pid_t child = 0;
      auto [next, ec] = std::from_chars(p, end, child);
      if (ec == std::errc() && child > 0) out.push_back(child);
      p = next == p ? p + 1 : next;
    }
  }
  closedir(dir);
}

std::vector<pid_t> descendants_by_children_files(pid_t root) {
  std::vector<pid_t> out;
  std::unordered_set<pid_t> seen = {root};
  std::vector<pid_t> todo = {root};
  std::vector<pid_t> kids;
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    kids.clear();
    append_children(p, kids);
    for (pid_t k : kids) {
      if (!seen.insert(k).second) continue;
      out.push_back(k);
      todo.push_back(k);
    }
  }
  return out;
}

}  // namespace

std::vector<pid_t> process_descendants(pid_t root) {
  return children_files_exist() ? descendants_by_children_files(root)
                                : process_descendants_by_scan(root);
}

std::vector<pid_t> process_descendants_by_scan(pid_t root) {
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
