#include "satellite/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace spanbench::satellite {

void LatencyHistogram::reset() {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
  nonpositive_.store(0, std::memory_order_relaxed);
}

uint64_t LatencyHistogram::add_to(std::array<uint64_t, kBuckets>& counts) const {
  for (size_t i = 0; i < kBuckets; ++i) counts[i] += buckets_[i].load(std::memory_order_relaxed);
  return nonpositive_.load(std::memory_order_relaxed);
}

LatencySummary LatencyHistogram::summary() const {
  std::array<uint64_t, kBuckets> counts{};
  const uint64_t nonpositive = add_to(counts);
  return summarize(counts, nonpositive);
}

uint64_t LatencyHistogram::bucket_lower(size_t index) {
  if (index < kSubBuckets) return uint64_t{index} << (kMinExponent - kSubBucketBits);
  if (index >= kBuckets - 1) return uint64_t{1} << kMaxExponent;
  const size_t k = index - kSubBuckets;
  const int exponent = kMinExponent + static_cast<int>(k >> kSubBucketBits);
  const uint64_t sub = k & (kSubBuckets - 1);
  return (kSubBuckets + sub) << (exponent - kSubBucketBits);
}

uint64_t LatencyHistogram::bucket_upper(size_t index) {
  if (index >= kBuckets - 1) return bucket_lower(index);
  return bucket_lower(index + 1);
}

double LatencyHistogram::quantile_nanos(const std::array<uint64_t, kBuckets>& counts,
                                        uint64_t nonpositive, double q) {
  uint64_t total = nonpositive;
  for (uint64_t c : counts) total += c;
  if (total == 0) return 0;
  // The smallest value with at least q of all values at or below it.
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(total) - 1e-9)));
  uint64_t seen = nonpositive;
  if (seen >= rank) return 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= rank) {
      const auto lower = static_cast<double>(bucket_lower(i));
      const auto upper = static_cast<double>(bucket_upper(i));
      return (lower + upper) / 2;
    }
  }
  return static_cast<double>(bucket_lower(kBuckets - 1));
}

LatencySummary LatencyHistogram::summarize(const std::array<uint64_t, kBuckets>& counts,
                                           uint64_t nonpositive) {
  LatencySummary s;
  s.nonpositive = nonpositive;
  s.count = nonpositive;
  for (uint64_t c : counts) s.count += c;
  s.p50_seconds = quantile_nanos(counts, nonpositive, 0.50) / 1e9;
  s.p99_seconds = quantile_nanos(counts, nonpositive, 0.99) / 1e9;
  return s;
}

}  // namespace spanbench::satellite
