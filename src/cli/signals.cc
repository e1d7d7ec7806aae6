#include "cli/signals.h"

#include <atomic>
#include <csignal>
#include <thread>

namespace spanbench::cli {
namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }
}  // namespace

void install_stop_signals() {
  struct sigaction sa = {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() { return g_stop.load(); }

bool wait_for_stop(std::chrono::milliseconds timeout) {
  // Signals interrupt nothing here, so poll at a coarse interval: the cost
  // is a wakeup every 50 ms, not a busy loop.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!g_stop.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return g_stop.load();
}

}  // namespace spanbench::cli

namespace spanbench::cli {
const std::atomic<bool>& stop_flag() { return g_stop; }
}  // namespace spanbench::cli
