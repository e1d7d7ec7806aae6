#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "satellite/connection_guard.h"
#include "satellite/faults.h"
#include "satellite/options.h"
#include "satellite/report_ingestor.h"

namespace spanbench::satellite {

// One HTTP/1.1 listening port.
//
// kSatellite serves every span-report endpoint by path; kAdmin serves only
// the admin API (the group's admin port). Request parsing, routing and
// response writing are cpp-httplib's; the accept loop, the connection loop
// and socket I/O are ours, because httplib reads 4 KiB per system call,
// buffers a header line of any length, takes any number of headers, waits
// out its keep-alive timeout on stop(), aborts the process when it cannot
// start a thread, and cannot throttle reads or tell a timeout from a
// malformed body.
//
// Each connection has its own thread (tracers keep a few connections for
// long; a blocked or throttled one must not hold up others). The group's
// ConnectionBudget bounds how many there are: at the limit the longest-idle
// connection is closed for a new one, and when all are busy the new one is
// answered 503. Running out of threads or file descriptors is answered the
// same way and raised once in Alerts; the satellite never aborts.
class HttpSatellite {
 public:
  enum class Role { kSatellite, kAdmin };

  HttpSatellite(Role role, const SatelliteOptions& options, uint16_t port, ReportIngestor& ingestor,
                BandwidthLimiter& limiter, ConnectionBudget& budget, MemoryBudget& memory,
                Alerts& alerts);
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
  ConnectionBudget& budget_;
  MemoryBudget& memory_;
  Alerts& alerts_;
  std::unique_ptr<Server> server_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd that ends the accept loop
  std::thread accept_thread_;
};

}  // namespace spanbench::satellite
