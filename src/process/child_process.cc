#include "process/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <fstream>
#include <thread>

#include "core/error.h"

extern char** environ;

namespace spanbench {

bool ExitInfo::exited_normally() const { return WIFEXITED(wait_status); }
int ExitInfo::exit_code() const { return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1; }
int ExitInfo::term_signal() const { return WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0; }

double ExitInfo::cpu_seconds() const {
  auto secs = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

int64_t ExitInfo::max_rss_bytes() const { return int64_t{usage.ru_maxrss} * 1024; }

std::string ExitInfo::describe() const {
  if (WIFEXITED(wait_status)) return "exit code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(wait_status));
    return std::string("killed by ") + (abbrev ? std::string("SIG") + abbrev
                                               : "signal " + std::to_string(WTERMSIG(wait_status)));
  }
  return "status " + std::to_string(wait_status);
}

namespace {
class SpawnAttrs {
 public:
  SpawnAttrs() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnAttrs() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  SpawnAttrs(const SpawnAttrs&) = delete;
  SpawnAttrs& operator=(const SpawnAttrs&) = delete;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
};
}  // namespace

ChildProcess ChildProcess::spawn(const SpawnOptions& options) {
  if (options.argv.empty()) throw Error("cannot start a client with an empty command");
  SpawnAttrs sa;
  // Own process group (pgid = pid), default signal handling, so that the
  // whole tree can be stopped with one kill(-pgid).
  posix_spawnattr_setpgroup(&sa.attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&sa.attr, &none);
  posix_spawnattr_setsigdefault(&sa.attr, &all);
  posix_spawnattr_setflags(&sa.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::string log =
      options.log_file.empty() ? "/dev/null" : std::filesystem::absolute(options.log_file).string();
  posix_spawn_file_actions_addopen(&sa.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&sa.actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&sa.actions, 1, 2);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&sa.actions, options.working_dir.c_str());
  }

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    bool overridden = false;
    for (const auto& [k, v] : options.extra_env) {
      if (kv.substr(0, kv.find('=')) == k) overridden = true;
    }
    if (!overridden) env_strings.emplace_back(kv);
  }
  for (const auto& [k, v] : options.extra_env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> args = options.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // A relative program path is relative to the working directory, as a
  // shell started there would see it.
  std::string program = args[0];
  if (program.find('/') != std::string::npos && program[0] != '/' && !options.working_dir.empty()) {
    program = (options.working_dir / program).string();
  }
  pid_t pid = -1;
  int rc =
      program.find('/') == std::string::npos
          ? posix_spawnp(&pid, program.c_str(), &sa.actions, &sa.attr, argv.data(), envp.data())
          : posix_spawn(&pid, program.c_str(), &sa.actions, &sa.attr, argv.data(), envp.data());
  if (rc != 0) {
    throw Error("cannot start client program " + program + ": " + strerror(rc) +
                " (build it, or fix its command in the client registry)");
  }
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  return ChildProcess(pid, pidfd);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), pidfd_(other.pidfd_), exit_(other.exit_) {
  other.pid_ = -1;
  other.pidfd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && running()) kill_group(std::chrono::milliseconds(200));
  if (pidfd_ >= 0) close(pidfd_);
}

void ChildProcess::reap() {
  ExitInfo info;
  while (wait4(pid_, &info.wait_status, 0, &info.usage) < 0 && errno == EINTR) {
  }
  exit_ = info;
}

bool ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (!running()) return true;
  if (pidfd_ >= 0) {
    struct pollfd p = {pidfd_, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc > 0) {
      reap();
      return true;
    }
    return false;
  }
  // No pidfd (old kernel): check with WNOHANG at a coarse interval.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    ExitInfo info;
    pid_t r = wait4(pid_, &info.wait_status, WNOHANG, &info.usage);
    if (r == pid_) {
      exit_ = info;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

void ChildProcess::kill_group(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  if (running()) {
    ::kill(-pid_, SIGTERM);
    if (!wait_for_exit(grace)) {
      ::kill(-pid_, SIGKILL);
      wait_for_exit(std::chrono::milliseconds(5000));
    }
  }
  // The leader is gone; stragglers in its group get SIGKILL too, and we
  // wait (bounded) until the kernel has removed them.
  if (group_alive()) ::kill(-pid_, SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (group_alive() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool ChildProcess::group_alive() const { return pid_ > 0 && ::kill(-pid_, 0) == 0; }

std::string tail_lines(const std::filesystem::path& file, int max_lines) {
  std::ifstream in(file);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (static_cast<int>(lines.size()) > max_lines) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace spanbench
