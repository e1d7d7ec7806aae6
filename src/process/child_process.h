#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace spanbench {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::pair<std::string, std::string>> extra_env;
  std::filesystem::path working_dir;  // empty: inherit
  std::filesystem::path log_file;     // stdout and stderr go here; empty: /dev/null
};

// How a child ended, with the kernel's account of its resources (wait4).
struct ExitInfo {
  int wait_status = 0;
  struct rusage usage = {};
  bool exited_normally() const;
  int exit_code() const;       // -1 unless exited_normally()
  int term_signal() const;     // 0 unless killed by a signal
  double cpu_seconds() const;  // user + system, microsecond resolution
  int64_t max_rss_bytes() const;
  std::string describe() const;  // "exit code 1", "killed by SIGSEGV"
};

// A child process in its own process group, so that it and everything it
// starts can be stopped together. Waiting uses a pidfd, so the parent
// sleeps in poll() instead of spinning.
class ChildProcess {
 public:
  // Throws spanbench::Error when the program cannot be started (not found,
  // not executable), naming the program.
  static ChildProcess spawn(const SpawnOptions& options);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();  // kills the group if still running

  pid_t pid() const { return pid_; }
  bool running() const { return !exit_.has_value(); }

  // Waits up to `timeout` for the child to exit and reaps it. True if it has exited.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  // SIGTERM to the whole group, SIGKILL after `grace`, then reaps the child.
  void kill_group(std::chrono::milliseconds grace = std::chrono::milliseconds(1000));
  // True while any process of the child's group is alive.
  bool group_alive() const;

  const ExitInfo& exit_info() const { return *exit_; }

 private:
  ChildProcess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  void reap();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<ExitInfo> exit_;
};

// Last `max_lines` lines of a text file ("" if unreadable).
std::string tail_lines(const std::filesystem::path& file, int max_lines);

}  // namespace spanbench
