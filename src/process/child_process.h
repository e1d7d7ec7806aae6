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
  // The log keeps the first and the last bytes of the output; what lies
  // between is replaced by one line saying how many bytes were cut.
  size_t log_head_bytes = 1 << 20;
  size_t log_tail_bytes = 1 << 20;
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

// A child process and everything it starts. The child runs under
// spanbench-supervisor (src/process/supervisor_main.cc), which is the
// subreaper of its whole tree: when the child exits, is killed, or
// spanbench itself dies (even by SIGKILL), every process the child started
// is killed too, including those that called setsid() or ignore SIGTERM.
// The child is in its own process group and dies with the supervisor
// (PR_SET_PDEATHSIG). Waiting sleeps in poll(), it does not spin.
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
  // Every process the child starts descends from this one, even after its
  // own parent has exited.
  pid_t supervisor_pid() const { return supervisor_pid_; }
  bool running() const { return !exit_.has_value(); }

  // Waits up to `timeout` for the child to exit. True once it has exited,
  // every process it left behind has been killed, and its log is complete.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  // SIGTERM to every process of the tree, SIGKILL after `grace`; returns
  // when all of them are gone.
  void kill_group(std::chrono::milliseconds grace = std::chrono::milliseconds(1000));
  // True while any process of the child's tree is alive.
  bool group_alive() const { return running(); }

  const ExitInfo& exit_info() const { return *exit_; }
  // When spanbench learnt that the child itself had exited (before the
  // processes it left behind were ended).
  std::chrono::steady_clock::time_point exit_time() const { return exit_time_; }
  // Processes still running when the child exited (or was killed), all killed.
  int leftovers_killed() const { return leftovers_killed_; }

 private:
  ChildProcess(pid_t pid, pid_t supervisor_pid, int channel)
      : pid_(pid), supervisor_pid_(supervisor_pid), channel_(channel) {}
  // Reads the supervisor's records until the tree is gone or `deadline`.
  void read_records(std::chrono::steady_clock::time_point deadline);
  void send(char command);
  void finish(const ExitInfo& info);

  pid_t pid_ = -1;
  pid_t supervisor_pid_ = -1;
  int channel_ = -1;
  std::optional<ExitInfo> child_exit_;  // the child has exited; the tree may not be gone yet
  std::optional<ExitInfo> exit_;        // set once the whole tree is gone
  std::chrono::steady_clock::time_point exit_time_;
  int leftovers_killed_ = 0;
};

// Last `max_lines` lines of a text file ("" if unreadable).
std::string tail_lines(const std::filesystem::path& file, int max_lines);

}  // namespace spanbench
