#pragma once

#include <memory>

#include "satellite/faults.h"
#include "satellite/options.h"
#include "satellite/report_ingestor.h"

namespace grpc {
class Server;
}

namespace spanbench::satellite {

// The satellite ports when the group's transport is grpc: one gRPC server
// (h2c) listening on all of them, serving
// opentelemetry.proto.collector.trace.v1.TraceService/Export as a generic
// (raw-bytes) service, so a request goes straight to the OTLP decoder
// without a full protobuf parse. Deliberate delays run on gRPC alarms, not
// on gRPC's callback threads.
class GrpcSatellites {
 public:
  GrpcSatellites(const SatelliteOptions& options, ReportIngestor& ingestor,
                 BandwidthLimiter& limiter);
  ~GrpcSatellites();
  GrpcSatellites(const GrpcSatellites&) = delete;
  GrpcSatellites& operator=(const GrpcSatellites&) = delete;

  // Throws PortInUseError naming the first port that could not be bound.
  void start();
  // Cancels calls in flight (their clients see UNAVAILABLE or a reset) and
  // closes the listeners. Idempotent.
  void stop();
  bool running() const { return server_ != nullptr; }

  class Service;

 private:
  const SatelliteOptions& options_;
  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace spanbench::satellite
