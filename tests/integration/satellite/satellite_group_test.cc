// SatelliteGroup end to end over real sockets on 127.0.0.1: every protocol
// path, exact counts under concurrency, duplicates, faults, restarts, bad
// input and the admin API.

#include "satellite/satellite_group.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/payloads.h"
#include "support/sockets.h"

namespace spanbench::satellite {
namespace {

using namespace std::chrono_literals;
using testing::free_ports;
using testing::id_range;

SatelliteOptions test_options(size_t satellites = 2) {
  const testing::PortBlock block = free_ports(satellites);
  SatelliteOptions o;
  o.ports = block.ports;
  o.admin_port = block.admin;
  o.read_timeout = 2s;
  return o;
}

std::unique_ptr<SatelliteGroup> started(const SatelliteOptions& options) {
  auto group = std::make_unique<SatelliteGroup>(options);
  group->start();
  return group;
}

httplib::Result post(uint16_t port, const std::string& path, const std::string& body,
                     const std::string& content_type, const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  return client.Post(path, headers, body, content_type);
}

const ProtocolStats& of(const SatelliteStats& s, Protocol p) {
  return s.per_protocol[static_cast<size_t>(p)];
}

struct ProtocolCase {
  const char* name;
  Protocol protocol;
  std::string method;
  std::string path;
  std::string content_type;
  std::string (*encode)(std::span<const uint64_t>, testing::SpanShape);
  int status;
  std::string response_body;
};

std::vector<ProtocolCase> http_cases() {
  return {
      {"lightstep_proto", Protocol::kLightstepProto, "POST", "/api/v2/reports",
       "application/octet-stream", testing::lightstep_proto, 200, ""},
      {"lightstep_json", Protocol::kLightstepJson, "POST", "/api/v0/reports", "application/json",
       testing::lightstep_json, 200, "{}"},
      {"otlp_proto", Protocol::kOtlpProto, "POST", "/v1/traces", "application/x-protobuf",
       testing::otlp_proto, 200, ""},
      {"otlp_json", Protocol::kOtlpJson, "POST", "/v1/traces", "application/json",
       testing::otlp_json, 200, "{}"},
      {"zipkin", Protocol::kZipkinJson, "POST", "/api/v2/spans", "application/json",
       testing::zipkin_json, 202, ""},
      {"datadog_v04_put", Protocol::kDatadogV04, "PUT", "/v0.4/traces", "application/msgpack",
       testing::datadog_v04, 200, R"({"rate_by_service":{}})"},
      {"datadog_v05_post", Protocol::kDatadogV05, "POST", "/v0.5/traces", "application/msgpack",
       testing::datadog_v05, 200, R"({"rate_by_service":{}})"},
      {"jaeger_thrift", Protocol::kJaegerThrift, "POST", "/api/traces",
       "application/vnd.apache.thrift.binary", testing::jaeger_batch_binary, 202, ""},
  };
}

TEST(SatelliteGroupTest, EveryHttpProtocolCountsExactlyAndAnswersAsTracersExpect) {
  const SatelliteOptions options = test_options(2);
  auto group = started(options);
  uint64_t next_id = 1000;
  uint64_t expected_total = 0;
  for (const ProtocolCase& c : http_cases()) {
    SCOPED_TRACE(c.name);
    const size_t spans = 37;
    const auto ids = id_range(next_id, spans);
    next_id += spans;
    httplib::Client client("127.0.0.1", options.ports[1]);
    const std::string body = c.encode(ids, {});
    auto result = c.method == "PUT" ? client.Put(c.path, body, c.content_type)
                                    : client.Post(c.path, body, c.content_type);
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_EQ(result->status, c.status) << result->body;
    EXPECT_EQ(result->body, c.response_body);
    if (c.protocol == Protocol::kOtlpProto) {
      EXPECT_EQ(result->get_header_value("Content-Type"), "application/x-protobuf");
    }
    const SatelliteStats stats = group->stats();
    EXPECT_EQ(of(stats, c.protocol).spans, spans);
    EXPECT_EQ(of(stats, c.protocol).reports, 1u);
    EXPECT_EQ(of(stats, c.protocol).bytes, body.size());
    EXPECT_EQ(of(stats, c.protocol).rejected, 0u);
    expected_total += spans;
  }
  EXPECT_EQ(group->counts().spans_received, expected_total);
  EXPECT_EQ(group->counts().duplicate_spans, 0u);
  EXPECT_EQ(testing::http_get(options.admin_port, "/spans_received"),
            std::to_string(expected_total));
}

TEST(SatelliteGroupTest, DatadogSideChannelsAnswer200WithoutCounting) {
  const SatelliteOptions options = test_options(1);
  auto group = started(options);
  httplib::Client client("127.0.0.1", options.ports[0]);
  auto info = client.Get("/info");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, 200);
  EXPECT_TRUE(nlohmann::json::parse(info->body).contains("endpoints"));
  for (const char* path :
       {"/telemetry/proxy/api/v2/apmtelemetry", "/v0.7/config", "/dogstatsd/v2/proxy"}) {
    auto result = client.Post(path, "{\"x\":1}", "application/json");
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 200) << path;
  }
  const SatelliteStats stats = group->stats();
  EXPECT_EQ(stats.total.reports, 0u);
  EXPECT_EQ(stats.total.rejected, 0u);
}

TEST(SatelliteGroupTest, GzipAndChunkedBodiesAreDecoded) {
  const SatelliteOptions options = test_options(1);
  auto group = started(options);
  const uint16_t port = options.ports[0];

  // gzip, Content-Length.
  const std::string json = testing::lightstep_json(id_range(1, 50));
  const std::string gz = testing::gzip(json);
  auto r1 = post(port, "/api/v0/reports", gz, "application/json", {{"Content-Encoding", "gzip"}});
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 200) << r1->body;
  EXPECT_EQ(r1->body, "{}");

  // gzip + chunked.
  const std::string otlp = testing::otlp_proto(id_range(100, 300));
  const std::string otlp_gz = testing::gzip(otlp);
  httplib::Client client("127.0.0.1", port);
  client.set_default_headers({{"Content-Encoding", "gzip"}});
  auto r2 = client.Post(
      "/v1/traces",
      [&](size_t offset, httplib::DataSink& sink) {
        // Odd-sized chunks so chunk boundaries fall mid-message.
        const size_t n = std::min<size_t>(777, otlp_gz.size() - offset);
        sink.write(otlp_gz.data() + offset, n);
        if (offset + n == otlp_gz.size()) sink.done();
        return true;
      },
      "application/x-protobuf");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200) << r2->body;

  // Plain chunked, by hand, to be sure it is chunked on the wire.
  const std::string zipkin = testing::zipkin_json(id_range(1000, 20));
  std::string request =
      "POST /api/v2/spans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t off = 0; off < zipkin.size(); off += 500) {
    const std::string part = zipkin.substr(off, 500);
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", part.size());
    request += size_line + part + "\r\n";
  }
  request += "0\r\n\r\n";
  const auto r3 = testing::raw_exchange(port, request);
  EXPECT_EQ(r3.status, 202) << r3.body;

  const SatelliteStats stats = group->stats();
  EXPECT_EQ(of(stats, Protocol::kLightstepJson).spans, 50u);
  EXPECT_EQ(of(stats, Protocol::kLightstepJson).bytes, gz.size());
  EXPECT_EQ(of(stats, Protocol::kOtlpProto).spans, 300u);
  EXPECT_EQ(of(stats, Protocol::kZipkinJson).spans, 20u);
  EXPECT_EQ(stats.total.rejected, 0u);
}

TEST(SatelliteGroupTest, ExpectContinueIsAnswered) {
  const SatelliteOptions options = test_options(1);
  auto group = started(options);
  const std::string body = testing::otlp_proto(id_range(1, 10));
  const std::string head =
      "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  // Send only the headers and wait for the 100 before the body, as libcurl
  // does (it gives up waiting after 1 s and sends anyway, a stall per report).
  const auto exchange = testing::expect_continue_exchange(options.ports[0], head, body);
  ASSERT_TRUE(exchange.continue_after);
  EXPECT_LT(*exchange.continue_after, std::chrono::milliseconds(300));
  EXPECT_EQ(exchange.final_response.status, 200);
  EXPECT_EQ(group->counts().spans_received, 10u);
}

TEST(SatelliteGroupTest, ConcurrentSendersCountExactly) {
  const SatelliteOptions options = test_options(8);
  auto group = started(options);
  constexpr size_t kSenders = 8;
  constexpr size_t kSpansPerSender = 100000;
  constexpr size_t kBatch = 500;
  std::atomic<int> failures{0};
  std::vector<std::thread> senders;
  for (size_t s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      // Half the senders share one port, so one satellite sees several
      // connections at once; the rest have their own.
      const uint16_t port = options.ports[s % 2 == 0 ? 0 : s];
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      for (size_t off = 0; off < kSpansPerSender; off += kBatch) {
        const auto ids = id_range(s * 10'000'000 + off + 1, kBatch);
        auto r =
            client.Post("/v1/traces", testing::otlp_proto(ids, {2, 1}), "application/x-protobuf");
        if (!r || r->status != 200) ++failures;
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(failures.load(), 0);
  const SinkCounts counts = group->counts();
  EXPECT_EQ(counts.spans_received, kSenders * kSpansPerSender);
  EXPECT_EQ(counts.duplicate_spans, 0u);
  EXPECT_EQ(counts.reports, kSenders * kSpansPerSender / kBatch);
}

TEST(SatelliteGroupTest, RepeatedReportCountsDuplicates) {
  const SatelliteOptions options = test_options(2);
  auto group = started(options);
  const std::string body = testing::datadog_v04(id_range(7, 40));
  for (uint16_t port : options.ports) {
    auto r = post(port, "/v0.4/traces", body, "application/msgpack");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // Overlapping report in another protocol: 20 new, 20 already seen.
  auto r = post(options.ports[0], "/api/v2/spans", testing::zipkin_json(id_range(27, 40)),
                "application/json");
  ASSERT_TRUE(r);
  const SinkCounts counts = group->counts();
  EXPECT_EQ(counts.spans_received, 60u);
  EXPECT_EQ(counts.duplicate_spans, 60u);
  EXPECT_EQ(counts.reports, 3u);
}

TEST(SatelliteGroupTest, SlowFailAnswersAnErrorAndCountsNothing) {
  SatelliteOptions options = test_options(1);
  options.mode = Mode::kSlowFail;
  auto group = started(options);
  auto r = post(options.ports[0], "/v1/traces", testing::otlp_proto(id_range(1, 100)),
                "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  const SatelliteStats stats = group->stats();
  EXPECT_EQ(stats.total.spans, 0u);
  EXPECT_EQ(stats.total.reports, 0u);
  EXPECT_EQ(stats.total.failed, 1u);
}

TEST(SatelliteGroupTest, SlowSucceedTakesAboutAMicrosecondPerSpan) {
  SatelliteOptions options = test_options(1);
  options.mode = Mode::kSlowSucceed;
  auto group = started(options);
  const std::string body = testing::otlp_proto(id_range(1, 20000), {0, 0});
  const auto t0 = std::chrono::steady_clock::now();
  auto r = post(options.ports[0], "/v1/traces", body, "application/x-protobuf");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(took, 20ms);  // 20,000 spans x 1 us
  EXPECT_EQ(group->counts().spans_received, 20000u);
}

TEST(SatelliteGroupTest, ErrorRateRefusesThatFractionAndCountsTheRestExactly) {
  SatelliteOptions options = test_options(1);
  options.error_rate = 0.5;
  auto group = started(options);
  httplib::Client client("127.0.0.1", options.ports[0]);
  int refused = 0;
  constexpr int kReports = 200;
  for (int i = 0; i < kReports; ++i) {
    auto r = client.Post("/v1/traces", testing::otlp_proto(id_range(i * 10 + 1, 10), {0, 0}),
                         "application/x-protobuf");
    ASSERT_TRUE(r);
    if (r->status == 503) {
      ++refused;
    } else {
      EXPECT_EQ(r->status, 200);
    }
  }
  EXPECT_GT(refused, 50);
  EXPECT_LT(refused, 150);
  const SatelliteStats stats = group->stats();
  EXPECT_EQ(stats.total.spans, static_cast<uint64_t>(kReports - refused) * 10);
  EXPECT_EQ(stats.total.failed, static_cast<uint64_t>(refused));
}

TEST(SatelliteGroupTest, LatencyDelaysEveryAnswer) {
  SatelliteOptions options = test_options(1);
  options.latency = 150ms;
  auto group = started(options);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = post(options.ports[0], "/api/v2/reports", testing::lightstep_proto(id_range(1, 5)),
                "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
}

TEST(SatelliteGroupTest, BandwidthLimitThrottlesTheWholeGroup) {
  SatelliteOptions options = test_options(2);
  options.bandwidth_bytes_per_s = 400'000;
  auto group = started(options);
  const std::string body = testing::otlp_proto(id_range(1, 400));  // ~0.4 MB
  ASSERT_GT(body.size(), 300'000u);
  const auto t0 = std::chrono::steady_clock::now();
  std::thread other([&] {
    auto r = post(options.ports[1], "/v1/traces", testing::otlp_proto(id_range(5000, 400)),
                  "application/x-protobuf");
    EXPECT_TRUE(r && r->status == 200);
  });
  auto r = post(options.ports[0], "/v1/traces", body, "application/x-protobuf");
  other.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Two bodies through one 400 kB/s budget (less the 50 ms burst).
  const double expected = 2.0 * static_cast<double>(body.size()) / 400'000.0 - 0.1;
  EXPECT_GE(seconds, expected * 0.9);
  EXPECT_EQ(group->counts().spans_received, 800u);
}

TEST(SatelliteGroupTest, ShutdownClosesKeepAliveConnectionsPromptly) {
  SatelliteOptions options = test_options(1);
  auto group = started(options);
  httplib::Client client("127.0.0.1", options.ports[0]);
  client.set_keep_alive(true);
  client.set_read_timeout(3, 0);
  auto r = client.Post("/v1/traces", testing::otlp_proto(id_range(1, 5)), "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  group->shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_TRUE(testing::connect_refused(options.ports[0]));
  const auto t1 = std::chrono::steady_clock::now();
  auto again =
      client.Post("/v1/traces", testing::otlp_proto(id_range(10, 5)), "application/x-protobuf");
  EXPECT_FALSE(again && again->status == 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 1s);
  // The admin port stays up while satellites are down.
  EXPECT_EQ(testing::http_get(options.admin_port, "/spans_received"), "5");
}

TEST(SatelliteGroupTest, ShutdownCutsLongDelaysShort) {
  SatelliteOptions options = test_options(1);
  options.latency = 10s;
  auto group = started(options);
  std::thread sender([&] {
    auto r = post(options.ports[0], "/v1/traces", testing::otlp_proto(id_range(1, 5)),
                  "application/x-protobuf");
    EXPECT_FALSE(r && r->status == 200);
  });
  std::this_thread::sleep_for(200ms);
  const auto t0 = std::chrono::steady_clock::now();
  group->shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  sender.join();
  EXPECT_EQ(group->counts().spans_received, 0u);
}

TEST(SatelliteGroupTest, SenderThatRetriesAcrossARestartLosesNothing) {
  SatelliteOptions options = test_options(1);
  auto group = started(options);
  constexpr size_t kBatches = 60;
  constexpr size_t kBatch = 100;
  std::atomic<size_t> sent_batches{0};
  std::atomic<int> failed_attempts{0};
  std::thread sender([&] {
    httplib::Client client("127.0.0.1", options.ports[0]);
    client.set_keep_alive(true);
    client.set_connection_timeout(0, 200000);
    client.set_read_timeout(2, 0);
    for (size_t b = 0; b < kBatches; ++b) {
      const std::string body = testing::otlp_proto(id_range(b * kBatch + 1, kBatch), {1, 1});
      while (true) {
        auto r = client.Post("/v1/traces", body, "application/x-protobuf");
        if (r && r->status == 200) break;
        ++failed_attempts;
        std::this_thread::sleep_for(20ms);
      }
      ++sent_batches;
      std::this_thread::sleep_for(10ms);
    }
  });
  ASSERT_TRUE(testing::eventually([&] { return sent_batches.load() >= 10; }));
  group->shutdown();
  std::this_thread::sleep_for(300ms);
  const size_t during_down = sent_batches.load();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sent_batches.load(), during_down);  // nothing gets through while down
  group->start();
  sender.join();
  EXPECT_GT(failed_attempts.load(), 0);
  // Retries of a report whose answer was lost may show up as duplicates,
  // never as extra spans.
  EXPECT_EQ(group->counts().spans_received, kBatches * kBatch);
}

TEST(SatelliteGroupTest, ScheduleTakesGroupDownAndBringsItBack) {
  SatelliteOptions options = test_options(1);
  options.down_at = 200ms;
  options.up_at = 700ms;
  auto group = started(options);
  group->run_started();
  EXPECT_FALSE(testing::connect_refused(options.ports[0]));
  ASSERT_TRUE(testing::eventually([&] { return !group->is_up(); }, 2s));
  EXPECT_TRUE(testing::connect_refused(options.ports[0]));
  ASSERT_TRUE(testing::eventually([&] { return group->is_up(); }, 2s));
  EXPECT_FALSE(testing::connect_refused(options.ports[0]));
  EXPECT_FALSE(group->schedule_error());
}

TEST(SatelliteGroupTest, RunFinishedRestoresAGroupTheScheduleTookDown) {
  SatelliteOptions options = test_options(1);
  options.down_at = 50ms;
  auto group = started(options);
  group->run_started();
  ASSERT_TRUE(testing::eventually([&] { return !group->is_up(); }, 2s));
  group->run_finished();
  EXPECT_TRUE(group->is_up());
  EXPECT_FALSE(testing::connect_refused(options.ports[0]));
}

TEST(SatelliteGroupTest, PortInUseNamesThePort) {
  SatelliteOptions options = test_options(2);
  auto group = started(options);
  SatelliteOptions clash = options;
  clash.admin_port = 0;
  SatelliteGroup second(clash);
  try {
    second.start();
    FAIL() << "second group bound the same ports";
  } catch (const PortInUseError& e) {
    EXPECT_EQ(e.port(), options.ports[0]);
    EXPECT_EQ(e.kind(), PortInUseError::Kind::kSatellite);
    EXPECT_NE(std::string(e.what()).find(std::to_string(options.ports[0])), std::string::npos);
  }
  EXPECT_FALSE(second.is_up());
  // The first group is unaffected.
  auto r = post(options.ports[1], "/v1/traces", testing::otlp_proto(id_range(1, 3)),
                "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(SatelliteGroupTest, AdminApiOnlyOnAdminPort) {
  const SatelliteOptions options = test_options(2);
  auto group = started(options);
  post(options.ports[0], "/v1/traces", testing::otlp_proto(id_range(1, 30)),
       "application/x-protobuf");
  post(options.ports[1], "/v1/traces", testing::otlp_proto(id_range(21, 30)),
       "application/x-protobuf");
  EXPECT_EQ(testing::http_get(options.admin_port, "/spans_received"), "50");
  const auto stats = nlohmann::json::parse(testing::http_get(options.admin_port, "/stats"));
  EXPECT_EQ(stats["spans"], 50);
  EXPECT_EQ(stats["duplicates"], 10);
  EXPECT_EQ(stats["reports"], 2);
  EXPECT_EQ(stats["rejected"], 0);
  EXPECT_GT(stats["bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(stats["per_protocol"]["otlp_proto"]["spans"], 50);
  EXPECT_EQ(stats["per_protocol"]["zipkin_json"]["spans"], 0);
  EXPECT_TRUE(stats["alerts"].empty());

  // A satellite port neither serves the counts nor resets them: anything
  // that can reach it (a tracer, another local process) is not trusted
  // with the whole group's numbers.
  for (uint16_t port : options.ports) {
    httplib::Client client("127.0.0.1", port);
    for (const char* path : {"/spans_received", "/stats"}) {
      auto r = client.Get(path);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 404) << port << path;
    }
    auto r = client.Post("/reset");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << port;
  }
  EXPECT_EQ(group->counts().spans_received, 50u);
  EXPECT_EQ(group->stats().total.rejected, 6u);

  // The admin port serves no span endpoints.
  auto r = post(options.admin_port, "/v1/traces", testing::otlp_proto(id_range(100, 3)),
                "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);

  httplib::Client client("127.0.0.1", options.admin_port);
  auto reset = client.Post("/reset");
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->status, 200);
  EXPECT_EQ(testing::http_get(options.admin_port, "/spans_received"), "0");
  EXPECT_EQ(group->counts().reports, 0u);
  // After a reset, old IDs count as new again.
  post(options.ports[0], "/v1/traces", testing::otlp_proto(id_range(1, 30)),
       "application/x-protobuf");
  EXPECT_EQ(group->counts().spans_received, 30u);
  EXPECT_EQ(group->counts().duplicate_spans, 0u);
}

TEST(SatelliteGroupTest, DescribeNamesHostPortsAndAdmin) {
  SatelliteOptions options = test_options(3);
  SatelliteGroup group(options);
  const std::string d = group.describe();
  EXPECT_NE(d.find("127.0.0.1:" + std::to_string(options.ports[0]) + "-" +
                   std::to_string(options.ports[2])),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("admin " + std::to_string(options.admin_port)), std::string::npos) << d;
}

}  // namespace
}  // namespace spanbench::satellite
