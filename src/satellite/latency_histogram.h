#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace spanbench::satellite {

// What a latency histogram holds, read at one moment.
struct LatencySummary {
  uint64_t count = 0;        // values recorded, non-positive ones included
  uint64_t nonpositive = 0;  // values <= 0 (span ends stamped at or after receipt)
  double p50_seconds = 0;    // meaningless when count is 0
  double p99_seconds = 0;
};

// Export latencies in nanoseconds, in fixed log-linear buckets: each power
// of two from 2^10 ns (about 1 us) to 2^40 ns (about 18 minutes) is split
// into 64 equal buckets, so a bucket is at most 1/64 (1.6%) of its values
// wide and a quantile read as the bucket's midpoint is within 0.8% of the
// true value. Below 1 us the buckets are 16 ns wide; 2^40 ns and more share
// one overflow bucket (read as 2^40 ns). Values <= 0, which clock rounding
// can produce, are counted apart and read as 0.
//
// Memory is fixed (about 16 KB) and record() never allocates; any number of
// threads may record at once (relaxed atomics: a concurrent reader may see a
// report's values partly counted).
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 6;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
  static constexpr int kMinExponent = 10;
  static constexpr int kMaxExponent = 40;
  // Linear buckets below 2^kMinExponent, log-linear ones up to
  // 2^kMaxExponent, then the overflow bucket.
  static constexpr size_t kBuckets = kSubBuckets + (kMaxExponent - kMinExponent) * kSubBuckets + 1;

  void record(int64_t latency_nanos) {
    if (latency_nanos <= 0) {
      nonpositive_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    buckets_[bucket_of(static_cast<uint64_t>(latency_nanos))].fetch_add(1,
                                                                        std::memory_order_relaxed);
  }
  void reset();

  // Adds this histogram's counts to `counts` (kBuckets entries) and returns
  // its non-positive count: how a group's total is formed.
  uint64_t add_to(std::array<uint64_t, kBuckets>& counts) const;

  LatencySummary summary() const;

  // Quantile `q` (0..1] of `counts` plus `nonpositive` values read as 0, in
  // nanoseconds (the bucket's midpoint); 0 when empty.
  static double quantile_nanos(const std::array<uint64_t, kBuckets>& counts, uint64_t nonpositive,
                               double q);
  static LatencySummary summarize(const std::array<uint64_t, kBuckets>& counts,
                                  uint64_t nonpositive);

  static size_t bucket_of(uint64_t nanos) {
    if (nanos < (uint64_t{1} << kMinExponent)) return nanos >> (kMinExponent - kSubBucketBits);
    const int exponent = 63 - __builtin_clzll(nanos);
    if (exponent >= kMaxExponent) return kBuckets - 1;
    const uint64_t sub = (nanos >> (exponent - kSubBucketBits)) & (kSubBuckets - 1);
    return kSubBuckets + static_cast<size_t>(exponent - kMinExponent) * kSubBuckets + sub;
  }
  // The half-open range [lower, upper) of nanoseconds bucket `index` holds
  // (the overflow bucket's upper is its lower).
  static uint64_t bucket_lower(size_t index);
  static uint64_t bucket_upper(size_t index);

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> nonpositive_{0};
};

}  // namespace spanbench::satellite
