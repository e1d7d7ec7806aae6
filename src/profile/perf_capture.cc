#include "profile/perf_capture.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "core/log.h"
#include "process/child_process.h"

namespace spanbench::profile {
namespace {

using Clock = std::chrono::steady_clock;

bool in_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (!dir.empty() && access((std::filesystem::path(dir) / program).c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

std::string basename_of(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

// Runs a short command; its first output line, or nullopt when it fails.
std::optional<std::string> first_line_of(const std::vector<std::string>& argv,
                                         const std::filesystem::path& working_dir) {
  auto out = std::filesystem::temp_directory_path() /
             fmt::format("spanbench-probe-{}-{}.txt", getpid(), std::rand());
  std::optional<std::string> line;
  try {
    SpawnOptions so;
    so.argv = argv;
    so.working_dir = working_dir;
    so.log_file = out;
    ChildProcess child = ChildProcess::spawn(so);
    if (!child.wait_for_exit(std::chrono::seconds(20))) {
      child.kill_group();
    } else if (child.exit_info().exit_code() == 0) {
      std::string text = try_read_file(out).value_or("");
      line = text.substr(0, text.find('\n'));
    }
  } catch (const Error&) {
  }
  std::error_code ec;
  std::filesystem::remove(out, ec);
  return line;
}

}  // namespace

const char* unwinding_name(Unwinding u) { return u == Unwinding::kDwarf ? "dwarf" : "fp"; }

std::optional<Unwinding> parse_unwinding(std::string_view name) {
  if (name == "fp") return Unwinding::kFramePointers;
  if (name == "dwarf") return Unwinding::kDwarf;
  return std::nullopt;
}

std::optional<std::string> perf_unavailable_reason() {
  if (!in_path("perf")) {
    return "--profile needs perf, which is not installed: apt-get install linux-perf (or run "
           "without --profile)";
  }
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.freq = 1;
  attr.sample_freq = 99;
  attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_CALLCHAIN;
  attr.disabled = 1;
  long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
  if (fd < 0) {
    const int err = errno;
    std::string paranoid =
        try_read_file("/proc/sys/kernel/perf_event_paranoid").value_or("(unreadable)");
    while (!paranoid.empty() && std::isspace(static_cast<unsigned char>(paranoid.back()))) {
      paranoid.pop_back();
    }
    if (err == EACCES || err == EPERM) {
      return fmt::format(
          "--profile: the kernel refuses perf events to this process ({}; "
          "kernel.perf_event_paranoid = {}): run as root or set sysctl "
          "kernel.perf_event_paranoid=1; in a container, allow perf_event_open (docker run "
          "--cap-add PERFMON, or a seccomp profile that permits it)",
          std::strerror(err), paranoid);
    }
    return fmt::format(
        "--profile: this kernel or container offers no perf events (perf_event_open: {}); "
        "profile on a machine or VM that has them, or run without --profile",
        std::strerror(err));
  }
  close(int(fd));
  if (!first_line_of({"perf", "--version"}, {})) {
    return "--profile: `perf --version` fails (Debian's perf wrapper finds no perf for this "
           "kernel?): install linux-perf for it, or run without --profile";
  }
  return std::nullopt;
}

ClientProfileSetup client_profile_setup(const std::vector<std::string>& argv,
                                        const std::string& unwinding,
                                        const std::vector<std::string>& profile_args,
                                        const std::filesystem::path& working_dir,
                                        const std::filesystem::path& scratch) {
  ClientProfileSetup s;
  s.argv = argv;
  if (argv.empty()) return s;
  const std::string program = basename_of(argv.front());
  const bool node = program == "node" || program == "nodejs";
  const bool python = program.rfind("python", 0) == 0;
  if (python) s.unwinding = Unwinding::kDwarf;
  if (!unwinding.empty()) {
    auto u = parse_unwinding(unwinding);
    if (!u) throw UsageError("profile_unwinding must be \"fp\" or \"dwarf\", not " + unwinding);
    s.unwinding = *u;
  }
  std::vector<std::string> args = profile_args;
  if (args.empty() && node) {
    // perf names JIT-compiled JavaScript from /tmp/perf-PID.map; the second
    // flag gives interpreted functions a frame of their own too.
    args = {"--perf-basic-prof", "--interpreted-frames-native-stack"};
    // --perf-basic-prof also starts V8's log, by default a file in the
    // client's folder: keep it with the run's files, then remove it.
    if (!scratch.empty()) {
      args.push_back("--no-logfile-per-isolate");
      args.push_back("--logfile=" + scratch.string());
      s.scratch_files.push_back(scratch);
    }
  }
  s.argv.insert(s.argv.begin() + 1, args.begin(), args.end());
  if (python) {
    // Python 3.12+ names Python functions for perf with this; older ones
    // ignore it.
    s.extra_env.push_back({"PYTHONPERFSUPPORT", "1"});
    auto version = first_line_of(
        {argv.front(), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"}, working_dir);
    int major = 0, minor = 0;
    if (version && std::sscanf(version->c_str(), "%d.%d", &major, &minor) == 2 &&
        (major < 3 || (major == 3 && minor < 12))) {
      s.notes.push_back(fmt::format(
          "Python {} has no perf support (3.12 and later do, with -X perf): its stacks show the "
          "interpreter's C functions (_PyEval_EvalFrameDefault, ...), not Python functions",
          *version));
    }
  }
  return s;
}

std::unique_ptr<PerfRecording> PerfRecording::start(const PerfRecordOptions& options) {
  std::unique_ptr<PerfRecording> rec(new PerfRecording(options));
  std::string templ = (std::filesystem::temp_directory_path() / "spanbench-perf-XXXXXX").string();
  if (!mkdtemp(templ.data())) {
    throw Error("--profile: cannot make a folder in " +
                std::filesystem::temp_directory_path().string() + ": " + std::strerror(errno));
  }
  rec->dir_ = templ;
  const auto ctl = rec->dir_ / "ctl", ack = rec->dir_ / "ack";
  if (mkfifo(ctl.c_str(), 0600) != 0 || mkfifo(ack.c_str(), 0600) != 0) {
    throw Error("--profile: cannot make perf's control FIFOs in " + rec->dir_.string() + ": " +
                std::strerror(errno));
  }
  // Read-write, so that neither open waits for perf's end.
  rec->ctl_fd_ = open(ctl.c_str(), O_RDWR | O_CLOEXEC);
  rec->ack_fd_ = open(ack.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (rec->ctl_fd_ < 0 || rec->ack_fd_ < 0) {
    throw Error("--profile: cannot open perf's control FIFOs: " +
                std::string(std::strerror(errno)));
  }
  SpawnOptions so;
  so.argv = {"perf",         "record",
             "-e",           "cpu-clock",
             "-F",           std::to_string(options.frequency_hz),
             "--call-graph", options.unwinding == Unwinding::kDwarf ? "dwarf" : "fp",
             "-k",           "CLOCK_MONOTONIC",
             "-D",           "-1",
             "--control",    "fifo:" + ctl.string() + "," + ack.string(),
             "-p",           std::to_string(options.pid),
             "-o",           (rec->dir_ / "perf.data").string()};
  so.log_file = options.log_file;
  log().info("profile: {}", fmt::join(so.argv, " "));
  rec->perf_ = std::make_unique<ChildProcess>(ChildProcess::spawn(so));
  return rec;
}

PerfRecording::~PerfRecording() {
  try {
    if (perf_ && perf_->running()) finish();
  } catch (const std::exception& e) {
    log().warn("profile: stopping perf: {}", e.what());
  }
  if (ctl_fd_ >= 0) close(ctl_fd_);
  if (ack_fd_ >= 0) close(ack_fd_);
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

bool PerfRecording::command(const char* what, std::chrono::milliseconds timeout) {
  // A stale ack (from a command that timed out) must not answer this one.
  char drain[64];
  while (read(ack_fd_, drain, sizeof(drain)) > 0) {
  }
  std::string line = std::string(what) + "\n";
  if (write(ctl_fd_, line.data(), line.size()) != ssize_t(line.size())) return false;
  const auto deadline = Clock::now() + timeout;
  std::string got;
  while (Clock::now() < deadline) {
    if (!perf_->running() || (perf_->wait_for_exit(std::chrono::milliseconds(0)))) return false;
    pollfd p{ack_fd_, POLLIN, 0};
    int left =
        int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    int n = poll(&p, 1, std::clamp(left, 0, 50));
    if (n > 0) {
      char buf[64];
      ssize_t r = read(ack_fd_, buf, sizeof(buf));
      if (r > 0) got.append(buf, size_t(r));
      if (got.find("ack") != std::string::npos) return true;
    }
  }
  return false;
}

bool PerfRecording::enable(std::chrono::milliseconds timeout) {
  if (enabled_ || finished_) return enabled_;
  // perf reads its control FIFO only once it has opened its events: the
  // answer to a ping says it has attached.
  if (!attached_) attached_ = command("ping", timeout);
  if (!attached_) {
    log().warn("profile: perf did not attach within {} ms", timeout.count());
    return false;
  }
  enabled_ = command("enable", std::chrono::seconds(5));
  enabled_ever_ = enabled_ever_ || enabled_;
  return enabled_;
}

void PerfRecording::disable() {
  if (!enabled_ || finished_) return;
  command("disable", std::chrono::seconds(5));
  enabled_ = false;
}

double PerfRecording::finish() {
  if (finished_) return cpu_seconds_;
  disable();
  finished_ = true;
  if (perf_->running()) {
    // perf ends by itself once the process it samples is gone; "stop"
    // (else SIGTERM) ends it otherwise. Either way it writes its file.
    if (!perf_->wait_for_exit(std::chrono::milliseconds(200))) {
      command("stop", std::chrono::seconds(2));
      if (!perf_->wait_for_exit(std::chrono::seconds(30))) perf_->kill_group();
    }
  }
  cpu_seconds_ = perf_->exit_info().cpu_seconds();
  return cpu_seconds_;
}

FoldedStacks PerfRecording::fold(const FoldWindow& window) const {
  const auto data = dir_ / "perf.data";
  if (!std::filesystem::exists(data)) {
    throw Error("perf wrote no data; see " + options_.log_file.string());
  }
  const auto text = dir_ / "script.txt";
  SpawnOptions so;
  so.argv = {"perf",        "script",      "-i",
             data.string(), "-F",          "comm,tid,time,ip,sym,dso",
             "--ns",        "--no-inline", "--show-lost-events"};
  so.log_file = text;
  so.log_head_bytes = std::numeric_limits<size_t>::max() / 4;
  ChildProcess child = ChildProcess::spawn(so);
  if (!child.wait_for_exit(std::chrono::minutes(10))) {
    child.kill_group();
    throw Error("perf script took more than 10 minutes on " + data.string());
  }
  if (child.exit_info().exit_code() != 0) {
    throw Error("perf script failed (" + child.exit_info().describe() +
                "): " + tail_lines(text, 1));
  }
  std::ifstream in(text);
  FoldedStacks folded = fold_perf_script(in, window);
  return folded;
}

std::vector<std::string> symbol_notes(const FoldedStacks& folded) {
  std::vector<std::string> notes;
  const double total = double(std::max<int64_t>(folded.samples, 1));
  for (const auto& [place, n] : folded.unsymbolised) {
    const double pct = 100.0 * double(n) / total;
    if (place == "unknown") {
      notes.push_back(fmt::format(
          "no symbols for code outside any file in {} samples ({:.1f}%): JIT-compiled code "
          "without a perf map (start Node.js with --perf-basic-prof, Python 3.12+ with -X perf), "
          "or a stack cut short by its unwinding",
          n, pct));
    } else if (place == "kernel") {
      notes.push_back(fmt::format(
          "no symbols for kernel frames in {} samples ({:.1f}%): kernel addresses are hidden "
          "(run as root with sysctl kernel.kptr_restrict=0)",
          n, pct));
    } else {
      notes.push_back(fmt::format(
          "no symbols for {} in {} samples ({:.1f}%): install its debug symbols (Debian: the "
          "package's -dbgsym from the debian-debug archive, or debuginfod)",
          place, n, pct));
    }
  }
  return notes;
}

}  // namespace spanbench::profile
