#include "satellite/faults.h"

#include <algorithm>
#include <random>
#include <thread>

namespace spanbench::satellite {

bool Interrupter::sleep_for(std::chrono::nanoseconds duration) {
  if (duration.count() <= 0) return !interrupted();
  // Waits this short are below what a condition variable wakes up for
  // accurately; a plain sleep is exact enough and cannot miss much.
  if (duration < std::chrono::microseconds(200)) {
    std::this_thread::sleep_for(duration);
    return !interrupted();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  return !cv_.wait_for(lock, duration, [this] { return interrupted(); });
}

void Interrupter::interrupt() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    interrupted_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

void Interrupter::rearm() {
  std::lock_guard<std::mutex> lock(mutex_);
  interrupted_.store(false, std::memory_order_release);
}

BandwidthLimiter::BandwidthLimiter(uint64_t bytes_per_s)
    : bytes_per_s_(bytes_per_s), burst_(std::chrono::milliseconds(50)) {}

std::chrono::nanoseconds BandwidthLimiter::reserve(size_t bytes) {
  if (bytes_per_s_ == 0 || bytes == 0) return std::chrono::nanoseconds(0);
  const auto cost = std::chrono::nanoseconds(
      static_cast<int64_t>(static_cast<long double>(bytes) * 1e9L / bytes_per_s_));
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = Clock::now();
  // Unused capacity older than the burst window is forfeited.
  if (next_free_ < now - burst_) next_free_ = now - burst_;
  next_free_ += cost;
  const auto wait = next_free_ - now;
  return std::max(std::chrono::nanoseconds(0),
                  std::chrono::duration_cast<std::chrono::nanoseconds>(wait));
}

size_t BandwidthLimiter::chunk_bytes(size_t buffer_bytes) const {
  if (bytes_per_s_ == 0) return buffer_bytes;
  const uint64_t per_50ms = std::max<uint64_t>(bytes_per_s_ / 20, 512);
  return static_cast<size_t>(std::min<uint64_t>(per_50ms, buffer_bytes));
}

FaultPlan::FaultPlan(const SatelliteOptions& options)
    : delay_per_span_(mode_delay_per_span(options.mode)),
      latency_(options.latency),
      error_rate_(options.error_rate),
      fail_by_mode_(options.mode == Mode::kSlowFail) {}

FaultPlan::Verdict FaultPlan::judge(size_t span_count) const {
  Verdict v;
  v.delay = delay_per_span_ * static_cast<int64_t>(span_count) + latency_;
  if (fail_by_mode_) {
    v.outcome = Outcome::kFailByMode;
  } else if (error_rate_ > 0.0) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    if (uniform(rng) < error_rate_) v.outcome = Outcome::kFailInjected;
  }
  return v;
}

}  // namespace spanbench::satellite
