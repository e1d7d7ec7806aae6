#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "satellite/faults.h"
#include "satellite/options.h"
#include "satellite/report_ingestor.h"

namespace spanbench::satellite {

// One HTTP/1.1 listening port.
//
// kSatellite serves every span-report endpoint by path (DESIGN.md §4) plus
// the admin API; kAdmin serves only the admin API (the group's admin port).
// Request parsing, routing and response writing are cpp-httplib's; the
// connection loop and socket I/O are ours, because httplib reads 4 KiB per
// system call, waits out its keep-alive timeout on stop(), and cannot
// throttle reads or tell a timeout from a malformed body.
class HttpSatellite {
 public:
  enum class Role { kSatellite, kAdmin };

  HttpSatellite(Role role, const SatelliteOptions& options, uint16_t port, ReportIngestor& ingestor,
                BandwidthLimiter& limiter);
  ~HttpSatellite();
  HttpSatellite(const HttpSatellite&) = delete;
  HttpSatellite& operator=(const HttpSatellite&) = delete;

  // Binds and starts serving; throws PortInUseError if the port is taken.
  void start();
  // Closes the listener and every live connection (clients see a reset or
  // EOF, not a hang) and joins all threads. Idempotent.
  void stop();
  bool running() const { return server_ != nullptr; }
  uint16_t port() const { return port_; }

  class Server;  // the httplib::Server subclass, in the .cc

 private:
  Role role_;
  const SatelliteOptions& options_;
  uint16_t port_;
  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;
  std::unique_ptr<Server> server_;
  std::thread listen_thread_;
};

}  // namespace spanbench::satellite
