#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/span_sink.h"
#include "satellite/latency_histogram.h"
#include "satellite/protocol.h"

namespace spanbench::satellite {

// Counts for one protocol, or for the whole group.
struct ProtocolStats {
  uint64_t spans = 0;       // distinct span IDs first seen in accepted reports
  uint64_t duplicates = 0;  // extra copies of span IDs already seen
  uint64_t reports = 0;     // reports accepted
  uint64_t bytes = 0;       // body bytes of accepted reports, as they came on the wire
  uint64_t rejected = 0;    // reports answered 4xx (malformed, oversized, timed out, ...)
  uint64_t failed = 0;      // reports refused on purpose (slow_fail mode, --error-rate)
  uint64_t tags = 0;        // span-level tags/attributes in accepted reports
  uint64_t logs = 0;        // logs/events/annotations in accepted reports
  // Export latency (receive time - the span's stamped end) of first-seen
  // spans that carried an end time; the quantiles mean nothing when
  // latency_spans is 0.
  uint64_t latency_spans = 0;
  uint64_t latency_nonpositive = 0;  // ends stamped at or after receipt (clock rounding)
  double latency_p50_seconds = 0;
  double latency_p99_seconds = 0;
};

// When a report's spans ended and when it arrived, for export latency:
// `end_unix_nanos` is empty or runs beside the span IDs
// (DecodedReport::end_unix_nanos, kNoEndTime where a span has none).
struct SpanTimes {
  std::span<const int64_t> end_unix_nanos;
  int64_t received_unix_nanos = 0;
};

struct SatelliteStats {
  ProtocolStats total;
  std::array<ProtocolStats, kProtocolCount> per_protocol{};
};

// A set of 64-bit span IDs: open addressing with linear probing, which keeps
// inserts allocation-free and cache-friendly (a node-based set costs a heap
// allocation per span). Not thread-safe; SpanCounter shards and locks it.
class SpanIdSet {
 public:
  explicit SpanIdSet(size_t initial_capacity = 1024);
  // Returns true when `id` was not yet in the set.
  bool insert(uint64_t id, uint64_t hash);
  size_t size() const { return size_; }
  void clear();

 private:
  void grow();

  std::vector<uint64_t> slots_;  // 0 marks an empty slot; ID 0 is kept aside
  size_t mask_ = 0;
  size_t size_ = 0;
  size_t initial_capacity_;
  bool has_zero_ = false;
};

// Exact, concurrent span accounting for a satellite group. Any number of
// connections may call accept()/reject()/fail() at once: IDs go to one of
// kShards sets by hash, each behind its own mutex, and a report takes each
// shard's lock once. reset() is meant for quiet moments (before a run); a
// report counted while it runs may be split across the reset.
class SpanCounter {
 public:
  SpanCounter();

  // An accepted report: its IDs are deduplicated against everything seen
  // since reset(). The export latency of each first-seen span with an end
  // time goes into the protocol's histogram (duplicates never count, so
  // retries do not skew it).
  void accept(Protocol protocol, std::span<const uint64_t> span_ids, uint64_t wire_bytes,
              uint64_t tags = 0, uint64_t logs = 0, SpanTimes times = {});
  void reject(Protocol protocol);
  void fail(Protocol protocol);
  void reset();

  SatelliteStats stats() const;
  SinkCounts counts() const;

 private:
  static constexpr size_t kShardBits = 5;
  static constexpr size_t kShards = size_t{1} << kShardBits;

  struct alignas(64) Shard {
    std::mutex mutex;
    SpanIdSet ids;
  };
  struct alignas(64) AtomicStats {
    std::atomic<uint64_t> spans{0};
    std::atomic<uint64_t> duplicates{0};
    std::atomic<uint64_t> reports{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> rejected{0};
    std::atomic<uint64_t> failed{0};
    std::atomic<uint64_t> tags{0};
    std::atomic<uint64_t> logs{0};
  };

  std::unique_ptr<Shard[]> shards_;
  std::array<AtomicStats, kProtocolCount> per_protocol_;
  std::unique_ptr<LatencyHistogram[]> latency_;  // one per protocol
};

}  // namespace spanbench::satellite
