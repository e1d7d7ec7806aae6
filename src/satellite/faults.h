#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "satellite/options.h"

namespace spanbench::satellite {

// Lets shutdown() cut short every deliberate wait (mode delay, latency,
// bandwidth throttling) so a group goes down promptly even when it was told
// to be slow.
class Interrupter {
 public:
  // Sleeps for `duration`; returns false if interrupted first.
  bool sleep_for(std::chrono::nanoseconds duration);
  void interrupt();
  // Arms again after a shutdown, before the servers restart.
  void rearm();
  bool interrupted() const { return interrupted_.load(std::memory_order_acquire); }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<bool> interrupted_{false};
};

// A group-wide token bucket in the GCRA form: each charge books time on a
// virtual clock that advances at the allowed rate, and the caller waits
// until its bytes fit. A burst of ~50 ms of traffic passes without waiting.
class BandwidthLimiter {
 public:
  explicit BandwidthLimiter(uint64_t bytes_per_s);
  bool limited() const { return bytes_per_s_ != 0; }
  // Books `bytes` and returns how long the caller must wait for them.
  std::chrono::nanoseconds reserve(size_t bytes);
  // A read size that keeps throttled reading smooth (~50 ms of traffic).
  size_t chunk_bytes(size_t buffer_bytes) const;

 private:
  using Clock = std::chrono::steady_clock;
  uint64_t bytes_per_s_;
  std::chrono::nanoseconds burst_;
  std::mutex mutex_;
  Clock::time_point next_free_{};
};

// What a satellite does with a decoded report besides counting it.
class FaultPlan {
 public:
  enum class Outcome {
    kAccept,
    kFailByMode,    // slow_fail: answer an error after the delay
    kFailInjected,  // --error-rate: answer 503 / UNAVAILABLE so the tracer retries
  };
  struct Verdict {
    std::chrono::nanoseconds delay{0};
    Outcome outcome = Outcome::kAccept;
  };

  explicit FaultPlan(const SatelliteOptions& options);
  // Thread-safe; draws from a per-thread random generator for --error-rate.
  Verdict judge(size_t span_count) const;

 private:
  std::chrono::nanoseconds delay_per_span_;
  std::chrono::nanoseconds latency_;
  double error_rate_;
  bool fail_by_mode_;
};

}  // namespace spanbench::satellite
