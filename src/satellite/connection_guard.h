#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <vector>

namespace spanbench::satellite {

// Resource problems a satellite group ran into (out of threads, out of file
// descriptors, connection limit reached). Each kind is kept once with the
// number of times it happened, and logged (spanbench's log) the first time,
// so a flood produces one line, not millions.
class Alerts {
 public:
  struct Entry {
    std::string key;
    std::string message;
    uint64_t count = 0;
  };

  // Records `message` the first time `key` is raised; afterwards only
  // counts. Returns true the first time.
  bool raise(const std::string& key, const std::string& message) noexcept;
  std::vector<Entry> entries() const;
  uint64_t count(const std::string& key) const;

 private:
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

// The connections a group of HTTP satellites may hold open at once. When
// the limit is reached a new connection takes the place of the one that
// has been idle (between requests) the longest; when none is idle it is
// refused. The limit is also kept below the process's file descriptor
// limit, so an accept never fails for want of one.
class ConnectionBudget {
 public:
  struct Slot {
    int fd = -1;
    bool idle = true;
    bool evicted = false;
    uint64_t idle_since = 0;  // a sequence number, larger is later
    uint64_t held = 0;        // buffer bytes it keeps (MemoryBudget)
  };

  // `max_connections` is the configured limit; the effective one may be
  // lower (see limit()).
  explicit ConnectionBudget(size_t max_connections);
  ConnectionBudget(const ConnectionBudget&) = delete;
  ConnectionBudget& operator=(const ConnectionBudget&) = delete;

  // Admits `fd`, shutting down the longest-idle connection if the budget is
  // full. Returns nullptr when every admitted connection is busy.
  Slot* admit(int fd);
  // Marks a connection as waiting for its next request (evictable) or not.
  void set_idle(Slot* slot, bool idle);
  // Forgets a connection; call before closing its descriptor.
  void release(Slot* slot);
  // Shuts down the longest-idle connection (here, else in the fallback
  // budget); false if none is idle.
  bool evict_idle();
  // Records the buffer bytes a connection keeps between requests.
  void set_held(Slot* slot, uint64_t bytes);
  // Shuts down the longest-idle connection that keeps buffers, so that
  // they go back to the MemoryBudget; false if there is none.
  bool evict_idle_holding();
  // Where evict_idle() looks next: the admin port's budget falls back on
  // the satellite ports', whose idle connections hold the threads and
  // descriptors the admin port may lack.
  void set_fallback(ConnectionBudget* fallback) { fallback_ = fallback; }

  size_t limit() const { return limit_; }
  size_t configured_limit() const { return configured_; }
  size_t live() const;

 private:
  bool evict_idle_locked(bool holding_only = false);

  size_t configured_;
  size_t limit_;
  ConnectionBudget* fallback_ = nullptr;
  mutable std::mutex mutex_;
  std::list<Slot> slots_;
  size_t live_ = 0;  // admitted and not evicted
  uint64_t sequence_ = 0;
};

// Bytes the group's HTTP satellites may hold in request buffers at once:
// bodies being read, bodies being inflated, and the buffers connections
// keep for their next report. A request that would go past it is answered
// 503 (and idle connections are closed to give their buffers back).
class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Takes `bytes` if they fit under the limit.
  bool take(uint64_t bytes);
  void give(uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  uint64_t available() const;
  uint64_t limit() const { return limit_; }

 private:
  uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

// The file descriptor limit (soft RLIMIT_NOFILE) of this process.
uint64_t open_file_limit();

}  // namespace spanbench::satellite
