#pragma once

#include <atomic>
#include <chrono>

namespace spanbench::cli {

// SIGINT/SIGTERM handling for long-running commands: the first signal sets a
// flag that commands poll (or wait on); library code is told to stop, keeps
// what it measured, and the command reports where results are.
void install_stop_signals();
bool stop_requested();
// Blocks until a stop signal arrives or `timeout` passes; returns stop_requested().
bool wait_for_stop(std::chrono::milliseconds timeout);

}  // namespace spanbench::cli

namespace spanbench::cli {
// The flag the signal handler sets, for library code that polls a flag.
const std::atomic<bool>& stop_flag();
}  // namespace spanbench::cli
