#include "satellite/connection_guard.h"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>

#include "core/log.h"

namespace spanbench::satellite {

bool Alerts::raise(const std::string& key, const std::string& message) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Entry& e : entries_) {
    if (e.key == key) {
      ++e.count;
      return false;
    }
  }
  try {
    entries_.push_back(Entry{key, message, 1});
    log().warn("satellites: {}", message);
  } catch (...) {
    // Out of memory: the alert is lost, the satellite goes on.
    return false;
  }
  return true;
}

std::vector<Alerts::Entry> Alerts::entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_;
}

uint64_t Alerts::count(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Entry& e : entries_) {
    if (e.key == key) return e.count;
  }
  return 0;
}

bool MemoryBudget::take(uint64_t bytes) {
  uint64_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ || used > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

uint64_t MemoryBudget::available() const {
  const uint64_t used = used_.load(std::memory_order_relaxed);
  return used >= limit_ ? 0 : limit_ - used;
}

uint64_t open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return UINT64_MAX;
  }
  return limit.rlim_cur;
}

namespace {

// Leaves room below the descriptor limit for everything else in the
// process: listeners, gRPC, UDP sockets, the control server, client pipes
// and log files.
size_t fd_headroom_limit() {
  const uint64_t files = open_file_limit();
  if (files == UINT64_MAX) return SIZE_MAX;
  if (files <= 256) return static_cast<size_t>(std::max<uint64_t>(files / 2, 1));
  return static_cast<size_t>(files - files / 8 - 64);
}

}  // namespace

ConnectionBudget::ConnectionBudget(size_t max_connections)
    : configured_(std::max<size_t>(max_connections, 1)),
      limit_(std::min(configured_, fd_headroom_limit())) {}

ConnectionBudget::Slot* ConnectionBudget::admit(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (live_ >= limit_ && !evict_idle_locked()) return nullptr;
  slots_.push_back(Slot{fd, true, false, ++sequence_});
  ++live_;
  return &slots_.back();
}

void ConnectionBudget::set_idle(Slot* slot, bool idle) {
  std::lock_guard<std::mutex> lock(mutex_);
  slot->idle = idle;
  if (idle) slot->idle_since = ++sequence_;
}

void ConnectionBudget::release(Slot* slot) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = slots_.begin(); it != slots_.end(); ++it) {
    if (&*it != slot) continue;
    if (!it->evicted) --live_;
    slots_.erase(it);
    return;
  }
}

bool ConnectionBudget::evict_idle() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (evict_idle_locked()) return true;
  }
  return fallback_ != nullptr && fallback_->evict_idle();
}

void ConnectionBudget::set_held(Slot* slot, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  slot->held = bytes;
}

bool ConnectionBudget::evict_idle_holding() {
  std::lock_guard<std::mutex> lock(mutex_);
  return evict_idle_locked(true);
}

bool ConnectionBudget::evict_idle_locked(bool holding_only) {
  Slot* oldest = nullptr;
  while (true) {
    oldest = nullptr;
    for (Slot& s : slots_) {
      if (holding_only && s.held == 0) continue;
      if (s.idle && !s.evicted && (oldest == nullptr || s.idle_since < oldest->idle_since)) {
        oldest = &s;
      }
    }
    if (oldest == nullptr) return false;
    // Marked idle, but a request has arrived that its thread has not
    // picked up yet: not idle.
    int pending = 0;
    if (::ioctl(oldest->fd, FIONREAD, &pending) == 0 && pending > 0) {
      oldest->idle = false;
      continue;
    }
    break;
  }
  // The owner sees end-of-stream and closes the descriptor after
  // release(), which takes this mutex: the descriptor is still ours here.
  oldest->evicted = true;
  ::shutdown(oldest->fd, SHUT_RDWR);
  --live_;
  return true;
}

size_t ConnectionBudget::live() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_;
}

}  // namespace spanbench::satellite
