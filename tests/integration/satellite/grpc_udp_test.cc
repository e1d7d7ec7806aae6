// gRPC transport (OTLP TraceService/Export over h2c, via the generated grpc++
// client) and Jaeger agent datagrams over UDP.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "satellite/proto/otlp_trace_service.grpc.pb.h"
#include "satellite/satellite_group.h"
#include "support/payloads.h"
#include "support/sockets.h"

namespace spanbench::satellite {
namespace {

using namespace std::chrono_literals;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::collector::trace::v1::TraceService;
using testing::id_range;

SatelliteOptions grpc_options(size_t satellites) {
  const testing::PortBlock block = testing::free_ports(satellites);
  SatelliteOptions o;
  o.ports = block.ports;
  o.admin_port = block.admin;
  o.transport = Transport::kGrpc;
  return o;
}

grpc::Status export_spans(uint16_t port, std::span<const uint64_t> ids,
                          std::chrono::milliseconds deadline = 5s, bool gzip = false) {
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto stub = TraceService::NewStub(channel);
  ExportTraceServiceRequest request;
  if (!request.ParseFromString(testing::otlp_proto(ids))) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "test payload did not parse");
  }
  ExportTraceServiceResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  if (gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  return stub->Export(&context, request, &response);
}

TEST(GrpcSatelliteTest, ExportCountsOnEveryPort) {
  const SatelliteOptions options = grpc_options(3);
  SatelliteGroup group(options);
  group.start();
  uint64_t next = 1;
  for (uint16_t port : options.ports) {
    const grpc::Status status = export_spans(port, id_range(next, 100));
    EXPECT_TRUE(status.ok()) << status.error_message();
    next += 100;
  }
  // Same IDs again: duplicates.
  EXPECT_TRUE(export_spans(options.ports[0], id_range(1, 100)).ok());
  const SatelliteStats stats = group.stats();
  const auto& grpc_stats = stats.per_protocol[static_cast<size_t>(Protocol::kOtlpGrpc)];
  EXPECT_EQ(grpc_stats.spans, 300u);
  EXPECT_EQ(grpc_stats.duplicates, 100u);
  EXPECT_EQ(grpc_stats.reports, 4u);
  // The admin port is plain HTTP whatever the transport.
  EXPECT_EQ(testing::http_get(options.admin_port, "/spans_received"), "300");
}

TEST(GrpcSatelliteTest, GzipCompressedMessagesAreDecoded) {
  const SatelliteOptions options = grpc_options(1);
  SatelliteGroup group(options);
  group.start();
  const grpc::Status status = export_spans(options.ports[0], id_range(1, 250), 5s, true);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(group.counts().spans_received, 250u);
}

TEST(GrpcSatelliteTest, FaultsMapToGrpcStatuses) {
  SatelliteOptions options = grpc_options(1);
  options.mode = Mode::kSlowFail;
  SatelliteGroup group(options);
  group.start();
  const grpc::Status status = export_spans(options.ports[0], id_range(1, 10));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(group.counts().spans_received, 0u);
  EXPECT_EQ(group.stats().total.failed, 1u);
}

TEST(GrpcSatelliteTest, ErrorRateAnswersUnavailable) {
  SatelliteOptions options = grpc_options(1);
  options.error_rate = 1.0;
  SatelliteGroup group(options);
  group.start();
  const grpc::Status status = export_spans(options.ports[0], id_range(1, 10));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(group.counts().spans_received, 0u);
}

TEST(GrpcSatelliteTest, MalformedMessageIsRejected) {
  const SatelliteOptions options = grpc_options(1);
  SatelliteGroup group(options);
  group.start();
  // A generic call carrying bytes that are not an ExportTraceServiceRequest.
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(options.ports[0]),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  const std::string junk = "\xff\xff\xff\xff garbage";
  grpc::Slice slice(junk);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  stub.UnaryCall(&context, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                 grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return done; }));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(status.error_message().empty());
  EXPECT_EQ(group.stats().total.rejected, 1u);
  // Still serving.
  EXPECT_TRUE(export_spans(options.ports[0], id_range(1, 10)).ok());
}

TEST(GrpcSatelliteTest, ShutdownThenRestartOnTheSamePorts) {
  SatelliteOptions options = grpc_options(1);
  options.latency = 5s;
  SatelliteGroup group(options);
  group.start();
  std::thread slow([&] {
    // Cut short by the shutdown: not OK, and not counted.
    EXPECT_FALSE(export_spans(options.ports[0], id_range(1, 10), 10s).ok());
  });
  std::this_thread::sleep_for(300ms);
  const auto t0 = std::chrono::steady_clock::now();
  group.shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  slow.join();
  EXPECT_TRUE(testing::connect_refused(options.ports[0]));
  EXPECT_FALSE(export_spans(options.ports[0], id_range(1, 10), 500ms).ok());
  group.start();
  EXPECT_FALSE(testing::connect_refused(options.ports[0]));
  EXPECT_EQ(group.counts().spans_received, 0u);
}

TEST(UdpReceiverTest, AgentDatagramsCountOnEveryPortWithEitherTransport) {
  for (Transport transport : {Transport::kHttp, Transport::kGrpc}) {
    SatelliteOptions options = grpc_options(2);
    options.transport = transport;
    SatelliteGroup group(options);
    group.start();
    uint64_t next = 1;
    for (int i = 0; i < 10; ++i) {
      for (uint16_t port : options.ports) {
        testing::send_datagram(port, testing::jaeger_emit_batch(id_range(next, 20)));
        next += 20;
      }
    }
    // And one repeated datagram: duplicates.
    testing::send_datagram(options.ports[0], testing::jaeger_emit_batch(id_range(1, 20)));
    ASSERT_TRUE(testing::eventually([&] { return group.counts().reports == 21; }))
        << group.counts().reports;
    const ProtocolStats udp =
        group.stats().per_protocol[static_cast<size_t>(Protocol::kJaegerAgent)];
    EXPECT_EQ(udp.spans, 400u);
    EXPECT_EQ(udp.duplicates, 20u);
  }
}

}  // namespace
}  // namespace spanbench::satellite
