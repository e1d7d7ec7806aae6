#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "process/child_process.h"
#include "profile/fold.h"

namespace spanbench::profile {

// How perf walks a sample's stack: by frame pointers (cheap; code built
// without them loses its callers) or by copying the stack and unwinding it
// with DWARF CFI afterwards (works for Debian's libraries).
enum class Unwinding { kFramePointers, kDwarf };
const char* unwinding_name(Unwinding u);  // "fp", "dwarf"
std::optional<Unwinding> parse_unwinding(std::string_view name);

// Why perf cannot sample a process here, as one line saying what to do;
// nullopt when it can. Checks the perf binary and whether the kernel lets
// this process open a cpu-clock sampling event (perf_event_paranoid, a
// container's seccomp profile).
std::optional<std::string> perf_unavailable_reason();

// How to start a client so that perf can name its frames: its command line
// and environment when profiling, which unwinding to use, and the limits
// the user should know about.
struct ClientProfileSetup {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> extra_env;
  Unwinding unwinding = Unwinding::kFramePointers;
  std::vector<std::string> notes;
  // Files the profiling flags make the client write, to remove after the run.
  std::vector<std::filesystem::path> scratch_files;
};
// `argv` is the client's registry command; `unwinding` and `profile_args`
// its registry keys (empty: chosen from the program: Node.js gets
// --perf-basic-prof, Python PYTHONPERFSUPPORT=1, both where supported).
// `scratch` is a file name the client may write (V8's log, which
// --perf-basic-prof turns on).
ClientProfileSetup client_profile_setup(const std::vector<std::string>& argv,
                                        const std::string& unwinding,
                                        const std::vector<std::string>& profile_args,
                                        const std::filesystem::path& working_dir,
                                        const std::filesystem::path& scratch = {});

struct PerfRecordOptions {
  pid_t pid = -1;  // sampled with all its threads and the processes it starts
  int frequency_hz = 499;
  Unwinding unwinding = Unwinding::kFramePointers;
  std::filesystem::path log_file;  // perf's own messages
};

// `perf record` of one process, started with its events disabled and
// switched on and off through perf's control FIFO, each switch
// acknowledged by perf, so that the profile covers exactly the span loop.
class PerfRecording {
 public:
  // Starts perf (it attaches in the background). Throws spanbench::Error
  // when perf cannot be started.
  static std::unique_ptr<PerfRecording> start(const PerfRecordOptions& options);
  ~PerfRecording();  // stops perf if still running, removes its files
  PerfRecording(const PerfRecording&) = delete;
  PerfRecording& operator=(const PerfRecording&) = delete;

  // Waits until perf has attached (up to `timeout`), then turns sampling
  // on. False when perf did not answer in time or has exited.
  bool enable(std::chrono::milliseconds timeout);
  // Turns sampling off (a no-op when it is not on).
  void disable();
  // Stops perf and waits for its data file. Returns perf's CPU seconds.
  double finish();

  // The samples, folded (runs `perf script`); call after finish().
  // Throws spanbench::Error when perf script fails.
  FoldedStacks fold(const FoldWindow& window) const;

  bool enabled_ever() const { return enabled_ever_; }
  const PerfRecordOptions& options() const { return options_; }

 private:
  explicit PerfRecording(PerfRecordOptions options) : options_(std::move(options)) {}
  // Writes a command to perf's control FIFO and waits for its "ack".
  bool command(const char* what, std::chrono::milliseconds timeout);

  PerfRecordOptions options_;
  std::filesystem::path dir_;  // FIFOs and perf.data
  int ctl_fd_ = -1;
  int ack_fd_ = -1;
  std::unique_ptr<ChildProcess> perf_;
  bool attached_ = false;
  bool enabled_ = false;
  bool enabled_ever_ = false;
  bool finished_ = false;
  double cpu_seconds_ = 0;
};

// Frames perf could not name, as notes saying which package or flag would
// name them (`samples` is the profile's total, for shares).
std::vector<std::string> symbol_notes(const FoldedStacks& folded);

}  // namespace spanbench::profile
