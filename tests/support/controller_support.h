#pragma once

// For tests that drive the controller or the CLI with real client processes:
// controller options pointing at the test registry (the including target
// defines TEST_CLIENTS_TOML and TEST_WORK_DIR), retrying runs a busy machine
// disturbed, and running a shell command line.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "controller/controller.h"
#include "core/file_io.h"

namespace spanbench::testing {

// Each test gets its own control port so suites can run side by side.
// A file's contents, or "" when it cannot be read: the assertion that
// follows says what was missing.
inline std::string slurp(const std::filesystem::path& p) { return try_read_file(p).value_or(""); }

// How many times `what` occurs in `text`, overlaps included.
inline size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

inline uint16_t test_port(int offset) { return static_cast<uint16_t>(18100 + offset); }

inline ControllerOptions test_controller_options(int port_offset) {
  ControllerOptions o;
  o.clients_file = TEST_CLIENTS_TOML;
  o.log_dir = std::string(TEST_WORK_DIR) + "/logs";
  o.control_port = test_port(port_offset);
  return o;
}

// Runs `run` until its result is not disturbed (at most three times): a
// busy machine, not spanbench, would decide a timing assertion. The caller
// skips the assertion when every attempt was disturbed.
template <typename Run>
Result undisturbed(Run run) {
  Result r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = run();
    if (!r.disturbed) break;
  }
  return r;
}

struct CommandOutput {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line and captures what it prints.
inline CommandOutput run_shell(const std::string& cmd) {
  CommandOutput out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.output.append(buf.data(), n);
  int status = pclose(p);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace spanbench::testing
