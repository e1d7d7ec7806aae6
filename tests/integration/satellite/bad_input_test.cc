// Malformed, oversized, slow and misdirected requests: each gets a 4xx with
// a one-line reason, counts as rejected, and the satellite keeps serving.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "satellite/satellite_group.h"
#include "support/payloads.h"
#include "support/sockets.h"

namespace spanbench::satellite {
namespace {

using namespace std::chrono_literals;
using testing::id_range;
using testing::raw_exchange;

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const testing::PortBlock block = testing::free_ports(1);
    options_.ports = block.ports;
    options_.admin_port = block.admin;
    options_.max_body_bytes = 64 * 1024;
    options_.read_timeout = 300ms;
    group_ = std::make_unique<SatelliteGroup>(options_);
    group_->start();
  }

  uint16_t port() const { return options_.ports[0]; }

  static std::string request(const std::string& method, const std::string& path,
                             const std::string& content_type, const std::string& body,
                             const std::string& extra_headers = "") {
    return method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + content_type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
           body;
  }

  // Each bad request must be refused with `status` and a one-line reason,
  // counted as rejected, and leave the satellite able to count a good report.
  void expect_rejected(const testing::RawResponse& r, int status) {
    EXPECT_EQ(r.status, status) << r.headers << "\n" << r.body;
    EXPECT_FALSE(r.body.empty()) << r.headers;
    EXPECT_EQ(r.body.find('\n'), r.body.size() - 1) << "reason is not one line: " << r.body;
    ++expected_rejected_;
    EXPECT_EQ(group_->stats().total.rejected, expected_rejected_);
    expect_still_serving();
  }

  void expect_still_serving() {
    const uint64_t before = group_->counts().spans_received;
    const auto ids = id_range(1'000'000 + next_good_ * 10, 10);
    ++next_good_;
    httplib::Client client("127.0.0.1", port());
    auto r = client.Post("/v1/traces", testing::otlp_proto(ids, {1, 1}), "application/x-protobuf");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(group_->counts().spans_received, before + 10);
  }

  SatelliteOptions options_;
  std::unique_ptr<SatelliteGroup> group_;
  uint64_t expected_rejected_ = 0;
  uint64_t next_good_ = 0;
};

TEST_F(BadInputTest, MalformedProtobuf) {
  std::string body = testing::otlp_proto(id_range(1, 5));
  body[0] = '\xff';  // not a valid field tag
  body[1] = '\xff';
  expect_rejected(
      raw_exchange(port(), request("POST", "/v1/traces", "application/x-protobuf", body)), 400);
}

TEST_F(BadInputTest, TruncatedProtobuf) {
  const std::string body = testing::lightstep_proto(id_range(1, 5));
  expect_rejected(
      raw_exchange(port(), request("POST", "/api/v2/reports", "application/octet-stream",
                                   body.substr(0, body.size() / 2))),
      400);
}

TEST_F(BadInputTest, BodyShorterThanContentLength) {
  const std::string body = testing::otlp_proto(id_range(1, 5));
  const std::string full = request("POST", "/v1/traces", "application/x-protobuf", body);
  // Client gives up half-way and half-closes: the body can never complete.
  expect_rejected(raw_exchange(port(), full.substr(0, full.size() - 20), true), 400);
}

TEST_F(BadInputTest, MalformedJsonAndMsgpackAndThrift) {
  expect_rejected(
      raw_exchange(port(), request("POST", "/api/v2/spans", "application/json", "[{\"id\": ")),
      400);
  expect_rejected(raw_exchange(port(), request("POST", "/v0.4/traces", "application/msgpack",
                                               std::string("\x93\x01", 2))),
                  400);
  expect_rejected(raw_exchange(port(), request("POST", "/api/traces", "application/x-thrift",
                                               "definitely not thrift")),
                  400);
}

TEST_F(BadInputTest, InvalidContentLength) {
  expect_rejected(raw_exchange(port(),
                               "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: "
                               "twelve\r\n\r\ntwelve bytes"),
                  400);
}

TEST_F(BadInputTest, GetWithABodyDoesNotDesynchronizeTheConnection) {
  // The body of a GET is not read; the connection must close rather than
  // parse the body as the next request.
  const auto r = raw_exchange(port(),
                              "GET /info HTTP/1.1\r\nHost: x\r\nContent-Length: 34\r\n\r\n"
                              "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(group_->stats().total.rejected, 0u);
  expect_still_serving();
}

TEST_F(BadInputTest, WrongContentType) {
  expect_rejected(raw_exchange(port(), request("POST", "/v1/traces", "text/html",
                                               testing::otlp_proto(id_range(1, 3)))),
                  415);
}

TEST_F(BadInputTest, UnknownPath) {
  expect_rejected(
      raw_exchange(port(), request("POST", "/api/v9/whatever", "application/json", "{}")), 404);
  expect_rejected(raw_exchange(port(), "GET /nothing/here HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
  expect_rejected(raw_exchange(port(), "OPTIONS /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
}

TEST_F(BadInputTest, WrongMethod) {
  expect_rejected(raw_exchange(port(), "GET /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
}

TEST_F(BadInputTest, OversizedBodyByContentLength) {
  const std::string body(options_.max_body_bytes + 1, 'x');
  const auto r =
      raw_exchange(port(), request("POST", "/v1/traces", "application/x-protobuf", body));
  expect_rejected(r, 413);
  EXPECT_NE(r.body.find("--max-body-bytes"), std::string::npos);
}

TEST_F(BadInputTest, OversizedBodyChunked) {
  const std::string chunk(16 * 1024, 'x');
  std::string req =
      "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 6; ++i) req += "4000\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  expect_rejected(raw_exchange(port(), req), 413);
}

TEST_F(BadInputTest, OversizedWithExpectContinueIsRefusedBeforeTheBody) {
  const std::string head =
      "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
      "Expect: 100-continue\r\nContent-Length: 10000000\r\n\r\n";
  const auto r = raw_exchange(port(), head);
  EXPECT_FALSE(r.interim_100);
  expect_rejected(r, 413);
}

TEST_F(BadInputTest, GzipBombStopsAtTheLimit) {
  const std::string bomb = testing::gzip(std::string(10 * 1024 * 1024, '\0'));
  ASSERT_LT(bomb.size(), options_.max_body_bytes);
  expect_rejected(raw_exchange(port(), request("POST", "/v1/traces", "application/x-protobuf", bomb,
                                               "Content-Encoding: gzip\r\n")),
                  400);
}

TEST_F(BadInputTest, BrokenGzip) {
  std::string gz = testing::gzip(testing::otlp_proto(id_range(1, 5)));
  gz.resize(gz.size() / 2);
  expect_rejected(raw_exchange(port(), request("POST", "/v1/traces", "application/x-protobuf", gz,
                                               "Content-Encoding: gzip\r\n")),
                  400);
}

TEST_F(BadInputTest, UnsupportedContentEncoding) {
  expect_rejected(raw_exchange(port(), request("POST", "/v1/traces", "application/x-protobuf",
                                               "abc", "Content-Encoding: zstd\r\n")),
                  415);
}

TEST_F(BadInputTest, BrokenChunkedEncoding) {
  const std::string req =
      "POST /api/v2/spans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n";
  expect_rejected(raw_exchange(port(), req), 400);
}

TEST_F(BadInputTest, SlowSenderTimesOutMidBody) {
  const std::string body = testing::otlp_proto(id_range(1, 50));
  const std::string full = request("POST", "/v1/traces", "application/x-protobuf", body);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = raw_exchange(port(), full.substr(0, full.size() - 100), false, 3s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  expect_rejected(r, 408);
}

TEST_F(BadInputTest, SlowSenderTimesOutMidHeaders) {
  expect_rejected(
      raw_exchange(port(), "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Ty", false, 3s), 408);
}

TEST_F(BadInputTest, GarbageInsteadOfHttp) {
  expect_rejected(raw_exchange(port(), "\x16\x03\x01\x02\x01 hello tls?\r\n\r\n"), 400);
}

TEST_F(BadInputTest, BadDatagramsAreRejectedAndCounted) {
  // Not over HTTP: a UDP datagram that is not emitBatch.
  testing::send_datagram(port(), "junk datagram");
  EXPECT_TRUE(testing::eventually([&] {
    return group_->stats().per_protocol[static_cast<size_t>(Protocol::kJaegerAgent)].rejected == 1;
  }));
  ++expected_rejected_;
  expect_still_serving();
}

}  // namespace
}  // namespace spanbench::satellite
