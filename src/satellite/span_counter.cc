#include "satellite/span_counter.h"

#include <algorithm>

#include "satellite/decoders/decoder.h"

namespace spanbench::satellite {
namespace {

// splitmix64's finalizer: span IDs may be sequential or random, and both
// must spread evenly over shards and slots.
inline uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

void set_latency(ProtocolStats& s, const LatencySummary& latency) {
  s.latency_spans = latency.count;
  s.latency_nonpositive = latency.nonpositive;
  s.latency_p50_seconds = latency.p50_seconds;
  s.latency_p99_seconds = latency.p99_seconds;
}

size_t round_up_pow2(size_t n) {
  size_t p = 16;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

SpanIdSet::SpanIdSet(size_t initial_capacity)
    : slots_(round_up_pow2(initial_capacity), 0),
      mask_(slots_.size() - 1),
      initial_capacity_(slots_.size()) {}

bool SpanIdSet::insert(uint64_t id, uint64_t hash) {
  if (id == 0) {
    const bool inserted = !has_zero_;
    has_zero_ = true;
    if (inserted) ++size_;
    return inserted;
  }
  // Keep the load under 0.7 so probe runs stay short.
  if ((size_ + 1) * 10 > slots_.size() * 7) grow();
  size_t i = hash & mask_;
  while (true) {
    const uint64_t slot = slots_[i];
    if (slot == id) return false;
    if (slot == 0) {
      slots_[i] = id;
      ++size_;
      return true;
    }
    i = (i + 1) & mask_;
  }
}

void SpanIdSet::grow() {
  std::vector<uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (uint64_t id : old) {
    if (id == 0) continue;
    size_t i = mix(id) & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = id;
  }
}

void SpanIdSet::clear() {
  // Give back memory from a big run instead of keeping it for the next one.
  std::vector<uint64_t>(initial_capacity_, 0).swap(slots_);
  mask_ = slots_.size() - 1;
  size_ = 0;
  has_zero_ = false;
}

SpanCounter::SpanCounter()
    : shards_(std::make_unique<Shard[]>(kShards)),
      latency_(std::make_unique<LatencyHistogram[]>(kProtocolCount)) {}

void SpanCounter::accept(Protocol protocol, std::span<const uint64_t> span_ids, uint64_t wire_bytes,
                         uint64_t tags, uint64_t logs, SpanTimes times) {
  // Bucket the IDs by shard first so each shard is locked once per report.
  struct Entry {
    uint64_t id;
    uint64_t hash;
    int64_t end;
  };
  const bool timed = times.end_unix_nanos.size() == span_ids.size() && !span_ids.empty() &&
                     times.received_unix_nanos > 0;
  thread_local std::vector<Entry> sorted;
  thread_local std::array<uint32_t, kShards + 1> starts;
  sorted.resize(span_ids.size());
  starts.fill(0);
  // The shard comes from the top bits of the hash, the slot from the low
  // bits, so the two choices stay independent.
  constexpr int kShift = 64 - static_cast<int>(kShardBits);
  for (uint64_t id : span_ids) ++starts[(mix(id) >> kShift) + 1];
  for (size_t s = 1; s <= kShards; ++s) starts[s] += starts[s - 1];
  std::array<uint32_t, kShards> fill{};
  for (size_t i = 0; i < span_ids.size(); ++i) {
    const uint64_t id = span_ids[i];
    const uint64_t h = mix(id);
    const size_t s = h >> kShift;
    sorted[starts[s] + fill[s]++] =
        Entry{id, h, timed ? times.end_unix_nanos[i] : DecodedReport::kNoEndTime};
  }

  LatencyHistogram& latency = latency_[static_cast<size_t>(protocol)];
  uint64_t fresh = 0;
  for (size_t s = 0; s < kShards; ++s) {
    if (starts[s] == starts[s + 1]) continue;
    Shard& shard = shards_[s];
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (uint32_t i = starts[s]; i < starts[s + 1]; ++i) {
      if (!shard.ids.insert(sorted[i].id, sorted[i].hash)) continue;
      ++fresh;
      const int64_t end = sorted[i].end;
      if (end == DecodedReport::kNoEndTime) continue;
      // Wraps only for absurd end times, which then count as non-positive
      // or in the overflow bucket.
      latency.record(static_cast<int64_t>(static_cast<uint64_t>(times.received_unix_nanos) -
                                          static_cast<uint64_t>(end)));
    }
  }

  AtomicStats& p = per_protocol_[static_cast<size_t>(protocol)];
  p.spans.fetch_add(fresh, std::memory_order_relaxed);
  p.duplicates.fetch_add(span_ids.size() - fresh, std::memory_order_relaxed);
  p.bytes.fetch_add(wire_bytes, std::memory_order_relaxed);
  p.tags.fetch_add(tags, std::memory_order_relaxed);
  p.logs.fetch_add(logs, std::memory_order_relaxed);
  // `reports` last: a reader that sees the report also sees its spans.
  p.reports.fetch_add(1, std::memory_order_release);
}

void SpanCounter::reject(Protocol protocol) {
  per_protocol_[static_cast<size_t>(protocol)].rejected.fetch_add(1, std::memory_order_relaxed);
}

void SpanCounter::fail(Protocol protocol) {
  per_protocol_[static_cast<size_t>(protocol)].failed.fetch_add(1, std::memory_order_relaxed);
}

void SpanCounter::reset() {
  for (size_t s = 0; s < kShards; ++s) {
    std::lock_guard<std::mutex> lock(shards_[s].mutex);
    shards_[s].ids.clear();
  }
  for (AtomicStats& p : per_protocol_) {
    p.spans.store(0, std::memory_order_relaxed);
    p.duplicates.store(0, std::memory_order_relaxed);
    p.reports.store(0, std::memory_order_relaxed);
    p.bytes.store(0, std::memory_order_relaxed);
    p.rejected.store(0, std::memory_order_relaxed);
    p.failed.store(0, std::memory_order_relaxed);
    p.tags.store(0, std::memory_order_relaxed);
    p.logs.store(0, std::memory_order_relaxed);
  }
  for (size_t i = 0; i < kProtocolCount; ++i) latency_[i].reset();
}

SatelliteStats SpanCounter::stats() const {
  SatelliteStats out;
  // Big enough not to belong on a connection thread's stack.
  auto total_latency = std::make_unique<std::array<uint64_t, LatencyHistogram::kBuckets>>();
  auto one_latency = std::make_unique<std::array<uint64_t, LatencyHistogram::kBuckets>>();
  uint64_t total_nonpositive = 0;
  for (size_t i = 0; i < kProtocolCount; ++i) {
    const AtomicStats& p = per_protocol_[i];
    ProtocolStats& s = out.per_protocol[i];
    s.reports = p.reports.load(std::memory_order_acquire);
    s.spans = p.spans.load(std::memory_order_relaxed);
    s.duplicates = p.duplicates.load(std::memory_order_relaxed);
    s.bytes = p.bytes.load(std::memory_order_relaxed);
    s.rejected = p.rejected.load(std::memory_order_relaxed);
    s.failed = p.failed.load(std::memory_order_relaxed);
    s.tags = p.tags.load(std::memory_order_relaxed);
    s.logs = p.logs.load(std::memory_order_relaxed);
    one_latency->fill(0);
    const uint64_t nonpositive = latency_[i].add_to(*one_latency);
    set_latency(s, LatencyHistogram::summarize(*one_latency, nonpositive));
    for (size_t b = 0; b < LatencyHistogram::kBuckets; ++b)
      (*total_latency)[b] += (*one_latency)[b];
    total_nonpositive += nonpositive;
    out.total.spans += s.spans;
    out.total.duplicates += s.duplicates;
    out.total.reports += s.reports;
    out.total.bytes += s.bytes;
    out.total.rejected += s.rejected;
    out.total.failed += s.failed;
    out.total.tags += s.tags;
    out.total.logs += s.logs;
  }
  set_latency(out.total, LatencyHistogram::summarize(*total_latency, total_nonpositive));
  return out;
}

SinkCounts SpanCounter::counts() const {
  const ProtocolStats total = stats().total;
  SinkCounts c;
  c.spans_received = total.spans;
  c.duplicate_spans = total.duplicates;
  c.reports = total.reports;
  c.bytes = total.bytes;
  c.tags = total.tags;
  c.logs = total.logs;
  c.latency_spans = total.latency_spans;
  c.latency_p50_seconds = total.latency_p50_seconds;
  c.latency_p99_seconds = total.latency_p99_seconds;
  return c;
}

}  // namespace spanbench::satellite
