#include "process/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <fstream>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "process/supervisor_protocol.h"

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

using Clock = std::chrono::steady_clock;

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

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// spanbench-supervisor: installed with the running program (PREFIX/bin/X
// finds PREFIX/libexec/spanbench/spanbench-supervisor), else next to it (a
// build tree), else the one built with this library, else the one this
// library was built to install (a program of another project that links
// the installed library).
std::filesystem::path supervisor_program() {
  static const std::filesystem::path found = [] {
    std::vector<std::filesystem::path> candidates;
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      candidates.push_back(self.parent_path() / SPANBENCH_LIBEXEC_FROM_BIN /
                           "spanbench-supervisor");
      candidates.push_back(self.parent_path() / "spanbench-supervisor");
    }
    candidates.push_back(SPANBENCH_SUPERVISOR_PATH);
    candidates.push_back(std::filesystem::path(SPANBENCH_INSTALL_LIBEXEC_DIR) /
                         "spanbench-supervisor");
    for (const auto& c : candidates) {
      if (access(c.c_str(), X_OK) == 0) {
        log().info("supervisor: {}", c.lexically_normal().string());
        return c.lexically_normal();
      }
    }
    return std::filesystem::path();
  }();
  return found;
}

// The program as the supervisor must exec it: a path. A bare name is looked
// up in PATH; a relative path is relative to the working directory, as a
// shell started there would see it.
std::optional<std::string> resolve_program(const std::string& program,
                                           const std::filesystem::path& working_dir) {
  if (program.find('/') != std::string::npos) {
    std::filesystem::path p = program;
    if (p.is_relative()) p = std::filesystem::absolute(working_dir.empty() ? p : working_dir / p);
    return p.string();
  }
  const char* path = getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    if (dir.empty()) dir = ".";
    auto candidate = std::filesystem::absolute(std::filesystem::path(dir) / program);
    std::error_code ec;
    if (access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate, ec)) {
      return candidate.string();
    }
  }
  return std::nullopt;
}

Error cannot_start(const std::string& program, int err) {
  return Error("cannot start client program " + program + ": " + strerror(err) +
               " (build it, or fix its command in the client registry)");
}

}  // namespace

ChildProcess ChildProcess::spawn(const SpawnOptions& options) {
  if (options.argv.empty()) throw Error("cannot start a client with an empty command");
  auto program = resolve_program(options.argv[0], options.working_dir);
  if (!program) throw cannot_start(options.argv[0], ENOENT);
  auto supervisor = supervisor_program();
  if (supervisor.empty()) {
    throw Error(
        "cannot start client programs: spanbench-supervisor is missing (installed in "
        "libexec/spanbench beside bin/spanbench, or next to spanbench in a build tree); "
        "reinstall spanbench or rebuild with scripts/build.sh");
  }

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    throw Error(std::string("cannot start client program: socketpair: ") + strerror(errno));
  }
  Fd channel(pair[0]);
  // Above the descriptors the supervisor's copy is moved to, so that the
  // move cannot overwrite it.
  Fd theirs(fcntl(pair[1], F_DUPFD_CLOEXEC, 10));
  close(pair[1]);
  if (theirs.get() < 0) throw Error(std::string("cannot start client program: ") + strerror(errno));

  SpawnAttrs sa;
  // Its own process group: a terminal's Ctrl-C and a kill of spanbench's
  // group must leave it alive to end the tree.
  posix_spawnattr_setpgroup(&sa.attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&sa.attr, &none);
  posix_spawnattr_setsigdefault(&sa.attr, &all);
  posix_spawnattr_setflags(&sa.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_addopen(&sa.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&sa.actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&sa.actions, 1, 2);
  posix_spawn_file_actions_adddup2(&sa.actions, theirs.get(), supervisor::kChannelFd);
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

  std::vector<std::string> args = {supervisor.string()};
  if (!options.log_file.empty()) {
    args.insert(args.end(), {"--log", std::filesystem::absolute(options.log_file).string(),
                             "--log-head", std::to_string(options.log_head_bytes), "--log-tail",
                             std::to_string(options.log_tail_bytes)});
  }
  args.push_back("--");
  args.push_back(*program);
  args.insert(args.end(), options.argv.begin() + 1, options.argv.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t supervisor_pid = -1;
  int rc = posix_spawn(&supervisor_pid, supervisor.c_str(), &sa.actions, &sa.attr, argv.data(),
                       envp.data());
  if (rc != 0) throw cannot_start(supervisor.string(), rc);
  theirs.reset();

  // The supervisor answers once the program has exec'd, or why it could not.
  supervisor::Record first;
  ssize_t n = -1;
  struct pollfd p = {channel.get(), POLLIN, 0};
  int ready;
  while ((ready = poll(&p, 1, 60'000)) < 0 && errno == EINTR) {
  }
  if (ready <= 0) {
    ::kill(supervisor_pid, SIGKILL);  // its child dies with it
  } else {
    while ((n = recv(channel.get(), &first, sizeof(first), 0)) < 0 && errno == EINTR) {
    }
  }
  if (n == ssize_t(sizeof(first)) && first.kind == supervisor::RecordKind::kStarted) {
    return ChildProcess(first.value, supervisor_pid, channel.release());
  }
  while (waitpid(supervisor_pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  int err = n == ssize_t(sizeof(first)) && first.kind == supervisor::RecordKind::kStartFailed
                ? first.value
            : ready <= 0 ? ETIMEDOUT
                         : ECHILD;
  throw cannot_start(*program, err);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      supervisor_pid_(std::exchange(other.supervisor_pid_, -1)),
      channel_(std::exchange(other.channel_, -1)),
      child_exit_(other.child_exit_),
      exit_(other.exit_),
      exit_time_(other.exit_time_),
      leftovers_killed_(other.leftovers_killed_) {}

ChildProcess::~ChildProcess() {
  if (supervisor_pid_ > 0 && running()) kill_group(std::chrono::milliseconds(200));
  if (channel_ >= 0) close(channel_);
}

void ChildProcess::send(char command) {
  if (channel_ >= 0) ::send(channel_, &command, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void ChildProcess::finish(const ExitInfo& info) {
  exit_ = info;
  close(channel_);
  channel_ = -1;
  // The supervisor exits right after its last record; wait for that in
  // poll() on a pidfd, bounded.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, supervisor_pid_, 0));
  if (pidfd >= 0) {
    struct pollfd p = {pidfd, POLLIN, 0};
    while (poll(&p, 1, 5000) < 0 && errno == EINTR) {
    }
    close(pidfd);
  }
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (waitpid(supervisor_pid_, nullptr, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(supervisor_pid_, SIGKILL);
      waitpid(supervisor_pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (leftovers_killed_ > 0) {
    log().info("process {} left {} process(es) behind; killed them", pid_, leftovers_killed_);
  }
}

void ChildProcess::read_records(Clock::time_point deadline) {
  while (running()) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    struct pollfd p = {channel_, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return;  // deadline
    supervisor::Record r;
    ssize_t n = recv(channel_, &r, sizeof(r), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n != ssize_t(sizeof(r))) {
      // The supervisor died. Its child died with it (PR_SET_PDEATHSIG).
      ExitInfo info;
      if (child_exit_) {
        info = *child_exit_;
      } else {
        info.wait_status = SIGKILL;  // as wait() reports "killed by SIGKILL"
        exit_time_ = Clock::now();
      }
      ::kill(-pid_, SIGKILL);
      finish(info);
      return;
    }
    if (r.kind == supervisor::RecordKind::kExited) {
      ExitInfo info;
      info.wait_status = r.wait_status;
      info.usage = r.usage;
      child_exit_ = info;
      exit_time_ = Clock::now();
    } else if (r.kind == supervisor::RecordKind::kDone) {
      leftovers_killed_ = r.value;
      finish(child_exit_.value_or(ExitInfo{}));
    }
  }
}

bool ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (!running()) return true;
  read_records(Clock::now() + timeout);
  if (running() && child_exit_) {
    // The child is gone; ending what it left behind takes milliseconds,
    // bounded by the supervisor.
    read_records(Clock::now() + std::chrono::seconds(15));
  }
  return !running();
}

void ChildProcess::kill_group(std::chrono::milliseconds grace) {
  if (!running()) return;
  if (!child_exit_) {
    send(supervisor::kTerminate);
    read_records(Clock::now() + grace);
  }
  if (running()) {
    send(supervisor::kKill);
    read_records(Clock::now() + std::chrono::seconds(15));
  }
  if (running()) {
    // A supervisor that does not answer: kill it, and the child with it.
    ::kill(supervisor_pid_, SIGKILL);
    ::kill(-pid_, SIGKILL);
    read_records(Clock::now() + std::chrono::seconds(5));
  }
}

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
