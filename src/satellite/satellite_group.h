#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/span_sink.h"
#include "satellite/connection_guard.h"
#include "satellite/faults.h"
#include "satellite/options.h"
#include "satellite/report_ingestor.h"
#include "satellite/span_counter.h"

namespace spanbench::satellite {

class HttpSatellite;
class GrpcSatellites;
class UdpReceiver;

// N mock collectors on consecutive ports sharing one span counter
// (docs/protocol.md): HTTP (every protocol by path) or gRPC on each TCP port,
// Jaeger agent datagrams on each UDP port, and an admin API for the whole
// group on its own port.
//
// The satellites can be taken down and brought back while a tracer keeps
// sending (shutdown() closes listeners and live connections promptly;
// start() rebinds the same ports), by hand or on the down-at/up-at schedule
// armed by run_started(). The admin port stays up throughout, so counts can
// always be read; close() takes it down too.
class SatelliteGroup final : public SpanSink {
 public:
  // Throws UsageError for invalid options. Nothing listens until start().
  explicit SatelliteGroup(SatelliteOptions options);
  ~SatelliteGroup() override;
  SatelliteGroup(const SatelliteGroup&) = delete;
  SatelliteGroup& operator=(const SatelliteGroup&) = delete;

  // Brings the satellites up (and the admin port, the first time). Throws
  // PortInUseError naming the port when one is taken; then nothing this
  // call started is left running. Does nothing if already up.
  void start();
  // Takes the satellites down: listeners closed, live connections cut,
  // deliberate delays in progress cut short (those reports are not
  // counted). Does nothing if already down.
  void shutdown();
  // shutdown(), cancel the schedule, and close the admin port.
  void close();
  bool is_up() const;

  SatelliteStats stats() const { return counter_.stats(); }
  // Resources the satellites ran out of (threads, file descriptors, the
  // connection limit), each once with how often; also in the admin /stats.
  std::vector<Alerts::Entry> alerts() const { return alerts_.entries(); }
  const SatelliteOptions& options() const { return options_; }
  // The last failure of a scheduled restart (e.g. a port taken meanwhile).
  std::optional<std::string> schedule_error() const;

  // SpanSink
  void reset() override { counter_.reset(); }
  SinkCounts counts() const override { return counter_.counts(); }
  // Arms the down-at/up-at schedule relative to now.
  void run_started() override;
  // Cancels the schedule and brings the satellites back if it took them down.
  void run_finished() override;
  std::string describe() const override;

 private:
  void stop_satellites_locked();
  void cancel_schedule();
  void run_schedule(std::chrono::steady_clock::time_point t0);

  SatelliteOptions options_;
  SpanCounter counter_;
  FaultPlan plan_;
  Interrupter interrupter_;
  BandwidthLimiter limiter_;
  ReportIngestor ingestor_;
  Alerts alerts_;
  ConnectionBudget connections_;
  ConnectionBudget admin_connections_;
  MemoryBudget memory_;

  std::unique_ptr<HttpSatellite> admin_;
  std::vector<std::unique_ptr<HttpSatellite>> http_;
  std::unique_ptr<GrpcSatellites> grpc_;
  std::vector<std::unique_ptr<UdpReceiver>> udp_;
  mutable std::mutex lifecycle_mutex_;
  bool up_ = false;

  mutable std::mutex schedule_mutex_;
  std::condition_variable schedule_cv_;
  bool schedule_cancelled_ = false;
  bool down_by_schedule_ = false;
  std::optional<std::string> schedule_error_;
  std::thread schedule_thread_;
};

}  // namespace spanbench::satellite
