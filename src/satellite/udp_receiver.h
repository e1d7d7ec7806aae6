#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "satellite/faults.h"
#include "satellite/options.h"
#include "satellite/report_ingestor.h"

namespace spanbench::satellite {

// Jaeger agent emitBatch datagrams on one UDP port. A datagram has no
// answer: a refused one (slow_fail, --error-rate) is simply not counted, as
// with a real agent that drops it; delays hold up the receive loop, and the
// kernel's socket buffer overflows the way a slow agent's would.
class UdpReceiver {
 public:
  UdpReceiver(const SatelliteOptions& options, uint16_t port, ReportIngestor& ingestor,
              BandwidthLimiter& limiter);
  ~UdpReceiver();
  UdpReceiver(const UdpReceiver&) = delete;
  UdpReceiver& operator=(const UdpReceiver&) = delete;

  // Throws PortInUseError if the UDP port is taken.
  void start();
  void stop();
  bool running() const { return fd_ >= 0; }

 private:
  void receive_loop();

  const SatelliteOptions& options_;
  uint16_t port_;
  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;
  int fd_ = -1;
  int wake_fd_ = -1;  // eventfd that ends the receive loop
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace spanbench::satellite
