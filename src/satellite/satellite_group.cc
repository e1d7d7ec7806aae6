#include "satellite/satellite_group.h"

#include "satellite/grpc_satellite.h"
#include "satellite/http_satellite.h"
#include "satellite/udp_receiver.h"

namespace spanbench::satellite {
namespace {

// The admin port has its own, small connection budget, so a flood on the
// satellite ports cannot keep the counts from being read.
constexpr size_t kAdminConnections = 32;

SatelliteOptions validated(SatelliteOptions options) {
  validate(options);
  return options;
}

// "8360-8367" or "8360,8362-8363".
std::string compress_ports(const std::vector<uint16_t>& ports) {
  std::string out;
  size_t i = 0;
  while (i < ports.size()) {
    size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(ports[i]);
    if (j > i) out += "-" + std::to_string(ports[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace

SatelliteGroup::SatelliteGroup(SatelliteOptions options)
    : options_(validated(std::move(options))),
      plan_(options_),
      limiter_(options_.bandwidth_bytes_per_s),
      ingestor_(counter_, plan_, interrupter_),
      connections_(options_.max_connections),
      admin_connections_(kAdminConnections),
      memory_(buffered_bytes_limit(options_)) {
  admin_connections_.set_fallback(&connections_);
  if (options_.admin_port != 0) {
    admin_ =
        std::make_unique<HttpSatellite>(HttpSatellite::Role::kAdmin, options_, options_.admin_port,
                                        ingestor_, limiter_, admin_connections_, memory_, alerts_);
  }
  if (options_.transport == Transport::kHttp) {
    for (uint16_t port : options_.ports) {
      http_.push_back(std::make_unique<HttpSatellite>(HttpSatellite::Role::kSatellite, options_,
                                                      port, ingestor_, limiter_, connections_,
                                                      memory_, alerts_));
    }
  } else {
    grpc_ = std::make_unique<GrpcSatellites>(options_, ingestor_, limiter_);
  }
  if (options_.udp) {
    for (uint16_t port : options_.ports) {
      udp_.push_back(std::make_unique<UdpReceiver>(options_, port, ingestor_, limiter_));
    }
  }
}

SatelliteGroup::~SatelliteGroup() { close(); }

void SatelliteGroup::start() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (up_) return;
  interrupter_.rearm();
  const bool admin_started_here = admin_ && !admin_->running();
  try {
    if (admin_started_here) admin_->start();
    for (auto& s : http_) s->start();
    if (grpc_) grpc_->start();
    for (auto& u : udp_) u->start();
  } catch (...) {
    stop_satellites_locked();
    if (admin_started_here) admin_->stop();
    throw;
  }
  up_ = true;
}

void SatelliteGroup::shutdown() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (!up_) return;
  stop_satellites_locked();
  up_ = false;
}

void SatelliteGroup::stop_satellites_locked() {
  // Wake every deliberate wait first, so servers stop in milliseconds even
  // in slow_succeed mode or with long --latency-ms.
  interrupter_.interrupt();
  for (auto& s : http_) s->stop();
  if (grpc_) grpc_->stop();
  for (auto& u : udp_) u->stop();
}

void SatelliteGroup::close() {
  cancel_schedule();
  shutdown();
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (admin_) admin_->stop();
}

bool SatelliteGroup::is_up() const {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  return up_;
}

std::optional<std::string> SatelliteGroup::schedule_error() const {
  std::lock_guard<std::mutex> lock(schedule_mutex_);
  return schedule_error_;
}

void SatelliteGroup::run_started() {
  cancel_schedule();
  if (!options_.down_at) return;
  const auto t0 = std::chrono::steady_clock::now();
  schedule_thread_ = std::thread([this, t0] { run_schedule(t0); });
}

void SatelliteGroup::run_schedule(std::chrono::steady_clock::time_point t0) {
  std::unique_lock<std::mutex> lock(schedule_mutex_);
  if (schedule_cv_.wait_until(lock, t0 + *options_.down_at,
                              [this] { return schedule_cancelled_; })) {
    return;
  }
  lock.unlock();
  shutdown();
  lock.lock();
  down_by_schedule_ = true;
  if (!options_.up_at) return;
  if (schedule_cv_.wait_until(lock, t0 + *options_.up_at, [this] { return schedule_cancelled_; })) {
    return;
  }
  lock.unlock();
  try {
    start();
    lock.lock();
    down_by_schedule_ = false;
  } catch (const std::exception& e) {
    lock.lock();
    schedule_error_ = std::string("scheduled restart failed: ") + e.what();
  }
}

void SatelliteGroup::run_finished() {
  cancel_schedule();
  bool restart = false;
  {
    std::lock_guard<std::mutex> lock(schedule_mutex_);
    restart = down_by_schedule_;
    down_by_schedule_ = false;
  }
  if (!restart) return;
  try {
    start();
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(schedule_mutex_);
    schedule_error_ = std::string("restart after the run failed: ") + e.what();
  }
}

void SatelliteGroup::cancel_schedule() {
  {
    std::lock_guard<std::mutex> lock(schedule_mutex_);
    schedule_cancelled_ = true;
  }
  schedule_cv_.notify_all();
  if (schedule_thread_.joinable()) schedule_thread_.join();
  std::lock_guard<std::mutex> lock(schedule_mutex_);
  schedule_cancelled_ = false;
}

std::string SatelliteGroup::describe() const {
  std::string out = options_.host + ":" + compress_ports(options_.ports) + " (" +
                    std::string(transport_name(options_.transport));
  if (options_.udp) out += ", udp";
  out += ", mode " + std::string(mode_name(options_.mode));
  if (options_.admin_port != 0) out += ", admin " + std::to_string(options_.admin_port);
  out += ")";
  return out;
}

}  // namespace spanbench::satellite
