// Export latency over real sockets on 127.0.0.1: reports whose spans ended
// 250 ms before they are sent, in every protocol and transport, must read
// back as about 250 ms in the group's counts and the admin API's /stats.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "satellite/proto/otlp_trace_service.grpc.pb.h"
#include "satellite/satellite_group.h"
#include "support/payloads.h"
#include "support/sockets.h"

namespace spanbench::satellite {
namespace {

using namespace std::chrono_literals;
using testing::id_range;
using testing::SpanShape;

constexpr double kAge = 0.250;             // seconds between a span's end and its sending
constexpr double kResolution = 1.0 / 128;  // half a histogram bucket, relative
constexpr double kSlack = 0.200;           // building, sending and a busy machine

// Spans that ended `kAge` ago (span i ends i microseconds later: negligible).
SpanShape ended_a_while_ago() {
  SpanShape shape{2, 1};
  const auto now_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  shape.start_micros = now_micros - static_cast<int64_t>(kAge * 1e6) - 5;
  return shape;
}

void expect_about_250ms(double seconds, const char* what) {
  EXPECT_GE(seconds, kAge * (1 - kResolution)) << what;
  EXPECT_LE(seconds, kAge * (1 + kResolution) + kSlack) << what;
}

SatelliteOptions options_for(Transport transport) {
  const testing::PortBlock block = testing::free_ports(1);
  SatelliteOptions o;
  o.ports = block.ports;
  o.admin_port = block.admin;
  o.transport = transport;
  o.read_timeout = 2s;
  return o;
}

struct HttpCase {
  const char* name;
  Protocol protocol;
  const char* path;
  const char* content_type;
  std::string (*encode)(std::span<const uint64_t>, SpanShape);
};

TEST(ExportLatencyTest, EveryHttpProtocolMeasuresTheAgeOfItsSpans) {
  const HttpCase cases[] = {
      {"lightstep_proto", Protocol::kLightstepProto, "/api/v2/reports", "application/octet-stream",
       testing::lightstep_proto},
      {"lightstep_json", Protocol::kLightstepJson, "/api/v0/reports", "application/json",
       testing::lightstep_json},
      {"otlp_proto", Protocol::kOtlpProto, "/v1/traces", "application/x-protobuf",
       testing::otlp_proto},
      {"otlp_json", Protocol::kOtlpJson, "/v1/traces", "application/json", testing::otlp_json},
      {"zipkin_json", Protocol::kZipkinJson, "/api/v2/spans", "application/json",
       testing::zipkin_json},
      {"datadog_v04", Protocol::kDatadogV04, "/v0.4/traces", "application/msgpack",
       testing::datadog_v04},
      {"datadog_v05", Protocol::kDatadogV05, "/v0.5/traces", "application/msgpack",
       testing::datadog_v05},
      {"jaeger_thrift", Protocol::kJaegerThrift, "/api/traces",
       "application/vnd.apache.thrift.binary", testing::jaeger_batch_binary},
  };
  const SatelliteOptions options = options_for(Transport::kHttp);
  SatelliteGroup group(options);
  group.start();
  uint64_t next = 1;
  for (const HttpCase& c : cases) {
    SCOPED_TRACE(c.name);
    const auto ids = id_range(next, 20);
    next += 20;
    httplib::Client client("127.0.0.1", options.ports[0]);
    const auto result = client.Post(c.path, c.encode(ids, ended_a_while_ago()), c.content_type);
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    ASSERT_LT(result->status, 300) << result->body;
    const ProtocolStats s = group.stats().per_protocol[static_cast<size_t>(c.protocol)];
    EXPECT_EQ(s.latency_spans, 20u);
    EXPECT_EQ(s.latency_nonpositive, 0u);
    expect_about_250ms(s.latency_p50_seconds, "p50");
    expect_about_250ms(s.latency_p99_seconds, "p99");
  }
  const SinkCounts counts = group.counts();
  EXPECT_EQ(counts.latency_spans, 160u);
  EXPECT_EQ(counts.latency_spans, counts.spans_received);
  expect_about_250ms(counts.latency_p50_seconds, "total p50");

  // A retry seconds later changes nothing: only first-seen spans count.
  std::this_thread::sleep_for(300ms);
  httplib::Client client("127.0.0.1", options.ports[0]);
  SpanShape old = ended_a_while_ago();
  old.start_micros -= 5'000'000;
  ASSERT_TRUE(client.Post("/v1/traces", testing::otlp_proto(id_range(1, 20), old),
                          "application/x-protobuf"));
  EXPECT_EQ(group.counts().duplicate_spans, 20u);
  EXPECT_EQ(group.counts().latency_spans, 160u);
  expect_about_250ms(group.counts().latency_p99_seconds, "p99 after a retry");

  // The admin API shows the same, per protocol and in total.
  const auto stats = nlohmann::json::parse(testing::http_get(options.admin_port, "/stats"));
  EXPECT_EQ(stats["latency_spans"].get<uint64_t>(), 160u);
  expect_about_250ms(stats["latency_p50_seconds"].get<double>(), "/stats p50");
  expect_about_250ms(stats["per_protocol"]["zipkin_json"]["latency_p99_seconds"].get<double>(),
                     "/stats zipkin p99");
  EXPECT_TRUE(stats["per_protocol"]["otlp_grpc"]["latency_p50_seconds"].is_null());

  group.reset();
  EXPECT_EQ(group.counts().latency_spans, 0u);
}

TEST(ExportLatencyTest, GrpcAndAgentDatagramsMeasureTheAgeOfTheirSpans) {
  const SatelliteOptions options = options_for(Transport::kGrpc);
  SatelliteGroup group(options);
  group.start();

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(options.ports[0]),
                                     grpc::InsecureChannelCredentials());
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(testing::otlp_proto(id_range(1, 20), ended_a_while_ago())));
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  const grpc::Status status = stub->Export(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const ProtocolStats grpc_stats =
      group.stats().per_protocol[static_cast<size_t>(Protocol::kOtlpGrpc)];
  EXPECT_EQ(grpc_stats.latency_spans, 20u);
  // A fresh channel pays for its connection set-up too.
  EXPECT_GE(grpc_stats.latency_p50_seconds, kAge * (1 - kResolution));
  EXPECT_LE(grpc_stats.latency_p50_seconds, kAge * (1 + kResolution) + 2 * kSlack);

  testing::send_datagram(options.ports[0],
                         testing::jaeger_emit_batch(id_range(100, 20), ended_a_while_ago()));
  ASSERT_TRUE(testing::eventually([&] { return group.counts().reports == 2; }));
  const ProtocolStats udp = group.stats().per_protocol[static_cast<size_t>(Protocol::kJaegerAgent)];
  EXPECT_EQ(udp.latency_spans, 20u);
  expect_about_250ms(udp.latency_p50_seconds, "udp p50");
}

}  // namespace
}  // namespace spanbench::satellite
