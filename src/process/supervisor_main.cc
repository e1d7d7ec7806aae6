// spanbench-supervisor: starts one child program for spanbench and makes
// sure nothing it starts outlives it. See supervisor_protocol.h.
//
// Why a separate, freshly exec'd program and not a fork of spanbench:
// - it is the child subreaper of the child's whole tree, so processes that
//   double-fork or call setsid() are reparented to it and can be found and
//   killed, and it notices spanbench's death (even SIGKILL) as EOF on its
//   channel and ends the tree then;
// - the kernel's peak-RSS figure of a child (wait4's ru_maxrss) starts from
//   the resident size of the process it was forked from and the peak of the
//   image it replaced; forked from this small program, the child's figure is
//   its own, not spanbench's.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "process/process_tree.h"
#include "process/supervisor_protocol.h"

extern char** environ;

namespace spanbench::supervisor {
namespace {

using Clock = std::chrono::steady_clock;

void send_record(RecordKind kind, int32_t value, int wait_status = 0,
                 const struct rusage* usage = nullptr) {
  Record r;
  r.kind = kind;
  r.value = value;
  r.wait_status = wait_status;
  if (usage) r.usage = *usage;
  // spanbench may be gone; then nobody is listening and that is fine.
  while (send(kChannelFd, &r, sizeof(r), MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // disk full or similar: the log is best effort
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// Keeps the first head_bytes of the output in the file as they come, the
// last tail_bytes in memory, and at the end writes one line saying how much
// was cut between them, then the tail.
class CappedLog {
 public:
  CappedLog(int fd, size_t head_bytes, size_t tail_bytes)
      : fd_(fd), head_limit_(head_bytes), tail_limit_(tail_bytes) {}

  void add(const char* p, size_t n) {
    if (head_written_ < head_limit_) {
      size_t k = std::min(n, head_limit_ - head_written_);
      write_all(fd_, p, k);
      head_written_ += k;
      if (k > 0) head_ends_line_ = p[k - 1] == '\n';
      p += k;
      n -= k;
    }
    if (n == 0) return;
    if (tail_limit_ == 0) {
      beyond_head_ += n;
      return;
    }
    if (ring_.empty()) ring_.resize(tail_limit_);
    if (n > tail_limit_) {  // only the last tail_limit_ bytes can survive
      beyond_head_ += n - tail_limit_;
      p += n - tail_limit_;
      n = tail_limit_;
    }
    size_t at = beyond_head_ % tail_limit_;
    size_t first = std::min(n, tail_limit_ - at);
    memcpy(ring_.data() + at, p, first);
    memcpy(ring_.data(), p + first, n - first);
    beyond_head_ += n;
  }

  void finish() {
    if (beyond_head_ == 0) return;
    std::string tail;
    if (beyond_head_ <= tail_limit_) {
      tail.assign(ring_.data(), beyond_head_);
    } else if (tail_limit_ > 0) {
      size_t at = beyond_head_ % tail_limit_;
      tail.assign(ring_.data() + at, tail_limit_ - at);
      tail.append(ring_.data(), at);
    }
    size_t cut = beyond_head_ - tail.size();
    if (cut > 0) {
      // Start the tail at a line, so the last lines read whole.
      size_t nl = tail.find('\n');
      if (nl != std::string::npos && nl + 1 < tail.size()) {
        cut += nl + 1;
        tail.erase(0, nl + 1);
      }
      char line[256];
      int len = snprintf(line, sizeof(line),
                         "%s[spanbench: %zu bytes of output cut here; this log keeps the first "
                         "%zu and the last %zu bytes of each run]\n",
                         head_ends_line_ ? "" : "\n", cut, head_limit_, tail_limit_);
      write_all(fd_, line, static_cast<size_t>(std::min<int>(len, sizeof(line) - 1)));
    }
    write_all(fd_, tail.data(), tail.size());
  }

 private:
  int fd_;
  size_t head_limit_, tail_limit_;
  size_t head_written_ = 0;
  bool head_ends_line_ = true;
  size_t beyond_head_ = 0;  // bytes after the head, kept or not
  std::vector<char> ring_;
};

struct Args {
  std::string log_file;
  size_t log_head_bytes = 1 << 20;
  size_t log_tail_bytes = 1 << 20;
  std::vector<char*> argv;  // program and its arguments, null-terminated
};

bool parse_args(int argc, char** argv, Args& args) {
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) return false;
    char* end = nullptr;
    if (a == "--log") {
      args.log_file = argv[++i];
    } else if (a == "--log-head") {
      args.log_head_bytes = strtoull(argv[++i], &end, 10);
      if (*end) return false;
    } else if (a == "--log-tail") {
      args.log_tail_bytes = strtoull(argv[++i], &end, 10);
      if (*end) return false;
    } else {
      return false;
    }
  }
  if (i >= argc || argv[i][0] != '/') return false;
  for (; i < argc; ++i) args.argv.push_back(argv[i]);
  args.argv.push_back(nullptr);
  return true;
}

// Runs in the forked child until exec; the supervisor is single-threaded,
// so anything is allowed here.
[[noreturn]] void exec_child(const Args& args, pid_t supervisor, int out_fd, int error_fd) {
  setpgid(0, 0);
  // If the supervisor dies, so does the child. The supervisor may already
  // have died before this line, and then nothing would send the signal.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != supervisor) _exit(127);
  // Start the child's peak-RSS count from its own size.
  int clear = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (clear >= 0) {
    write_all(clear, "5", 1);
    close(clear);
  }
  // Every signal to its default, as a shell would start it. The raw call,
  // because the C library refuses the two signals it uses itself, which a
  // posix_spawn'ed program (this supervisor) inherits as ignored.
  struct {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    uint64_t mask;
  } dfl = {SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, nullptr, 8);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0 && null_fd != 0) {
    dup2(null_fd, 0);
    close(null_fd);
  }
  dup2(out_fd, 1);
  dup2(out_fd, 2);
  execve(args.argv[0], args.argv.data(), environ);
  int err = errno;
  write_all(error_fd, reinterpret_cast<const char*>(&err), sizeof(err));
  _exit(127);
}

class Supervisor {
 public:
  explicit Supervisor(Args args) : args_(std::move(args)), self_(getpid()) {}

  int run() {
    // Ended by its channel, never by a terminal's or a stray signal.
    for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGPIPE}) signal(sig, SIG_IGN);
    fcntl(kChannelFd, F_SETFD, FD_CLOEXEC);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return fail(errno);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, nullptr);
    sigfd_ = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd_ < 0) return fail(errno);

    int out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (!args_.log_file.empty()) {
      log_fd_ = open(args_.log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (log_fd_ < 0) return fail(errno);
      int p[2];
      if (pipe2(p, O_CLOEXEC) != 0) return fail(errno);
      // Room for bursts, so a chatty child rarely waits for us.
      fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
      fcntl(p[0], F_SETFL, O_NONBLOCK);
      close(out_fd);
      out_fd = p[1];
      out_r_ = p[0];
      log_.emplace(log_fd_, args_.log_head_bytes, args_.log_tail_bytes);
    }
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) != 0) return fail(errno);
    child_ = fork();
    if (child_ < 0) return fail(errno);
    if (child_ == 0) exec_child(args_, self_, out_fd, err_pipe[1]);
    setpgid(child_, child_);
    close(out_fd);
    close(err_pipe[1]);
    int exec_errno = 0;
    ssize_t n;
    while ((n = read(err_pipe[0], &exec_errno, sizeof(exec_errno))) < 0 && errno == EINTR) {
    }
    close(err_pipe[0]);
    if (n > 0) {
      waitpid(child_, nullptr, 0);
      return fail(exec_errno);
    }
    send_record(RecordKind::kStarted, child_);

    watch_until_child_exits();
    int left = end_tree();
    drain_output();
    if (log_) log_->finish();
    send_record(RecordKind::kDone, left);
    return 0;
  }

 private:
  int fail(int err) {
    send_record(RecordKind::kStartFailed, err);
    return 1;
  }

  void signal_tree(int sig) {
    if (child_running_) kill(-child_, sig);
    for (pid_t p : process_descendants(self_)) kill(p, sig);
  }

  // Reaps whatever has exited; notes the child's own exit.
  void reap() {
    int status = 0;
    struct rusage usage = {};
    pid_t p;
    while ((p = wait4(-1, &status, WNOHANG, &usage)) > 0) {
      if (p == child_ && child_running_) {
        child_running_ = false;
        send_record(RecordKind::kExited, 0, status, &usage);
      }
    }
  }

  // Copies what the tree has written so far into the log. Never waits: once
  // the tree is gone, an empty pipe whose other end an escaped process still
  // holds must not keep us here.
  void drain_output() {
    if (out_r_ < 0) return;
    static char buf[64 * 1024];
    while (true) {
      ssize_t n = read(out_r_, buf, sizeof(buf));
      if (n > 0) {
        log_->add(buf, static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        if (n == 0) {
          close(out_r_);
          out_r_ = -1;
        }
        return;
      }
    }
  }

  void watch_until_child_exits() {
    while (child_running_) {
      pollfd fds[3] = {
          {sigfd_, POLLIN, 0}, {channel_open_ ? kChannelFd : -1, POLLIN, 0}, {out_r_, POLLIN, 0}};
      if (poll(fds, 3, -1) < 0 && errno != EINTR) break;
      if (fds[0].revents) {
        signalfd_siginfo info;
        while (read(sigfd_, &info, sizeof(info)) > 0) {
        }
        reap();
      }
      if (fds[1].revents) {
        char cmd = 0;
        ssize_t n = recv(kChannelFd, &cmd, 1, MSG_DONTWAIT);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
          channel_open_ = false;  // spanbench is gone: end everything now
          signal_tree(SIGKILL);
        } else if (cmd == kTerminate) {
          signal_tree(SIGTERM);
        } else if (cmd == kKill) {
          signal_tree(SIGKILL);
        }
      }
      if (fds[2].revents) drain_output();
    }
  }

  // As the subreaper, we have descendants only while we have children: an
  // orphan is reparented to us. Asking costs one system call, not a /proc walk.
  static bool has_children() {
    siginfo_t info = {};
    return !(waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD);
  }

  // Kills and reaps every process still in the tree; returns how many there were.
  int end_tree() {
    std::set<pid_t> killed;
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (true) {
      reap();
      if (!has_children()) break;
      std::vector<pid_t> left = process_descendants(self_);
      if (left.empty() || Clock::now() > deadline) break;
      for (pid_t p : left) {
        kill(p, SIGKILL);
        killed.insert(p);
      }
      // Keep the pipe flowing so a writer is not stuck, then look again:
      // children of the killed are reparented to us.
      drain_output();
      pollfd fd = {sigfd_, POLLIN, 0};
      poll(&fd, 1, 5);
      signalfd_siginfo info;
      while (read(sigfd_, &info, sizeof(info)) > 0) {
      }
    }
    return static_cast<int>(killed.size());
  }

  Args args_;
  pid_t self_;
  pid_t child_ = -1;
  bool child_running_ = true;
  bool channel_open_ = true;
  int sigfd_ = -1;
  int log_fd_ = -1;
  int out_r_ = -1;
  std::optional<CappedLog> log_;
};

}  // namespace
}  // namespace spanbench::supervisor

int main(int argc, char** argv) {
  using namespace spanbench::supervisor;
  Args args;
  if (!parse_args(argc, argv, args)) {
    send_record(RecordKind::kStartFailed, EINVAL);
    return 2;
  }
  return Supervisor(std::move(args)).run();
}
