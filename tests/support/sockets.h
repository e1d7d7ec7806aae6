#pragma once

// Socket helpers for tests that talk to satellites: free port ranges,
// raw HTTP exchanges for malformed input, and waiting with a deadline.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench::testing {

// `count` consecutive ports (TCP and UDP) plus one more for the admin API,
// all free on 127.0.0.1 when checked, from a random base at 20000+ so
// tests running in parallel do not collide.
struct PortBlock {
  std::vector<uint16_t> ports;
  uint16_t admin = 0;
};
PortBlock free_ports(size_t count);

// True when a TCP connect to 127.0.0.1:port is refused.
bool connect_refused(uint16_t port);

// A TCP socket connected to 127.0.0.1:port (close-on-exec), or -1.
int connect_to(uint16_t port);

// Reads from `fd`, appending to `in`, until `in` contains `marker`, the peer
// closes, or nothing comes for `idle_timeout`; returns `in`.
std::string read_until(int fd, std::string_view marker, std::chrono::milliseconds idle_timeout,
                       std::string in = "");

// One UDP datagram to 127.0.0.1:port.
void send_datagram(uint16_t port, std::string_view bytes);

struct RawResponse {
  int status = 0;  // 0: no response (connection closed or reset)
  std::string headers;
  std::string body;
  bool interim_100 = false;  // a "100 Continue" came first
};

// Sends `bytes` on a fresh connection, optionally half-closes, and reads
// one response (skipping a 100 Continue) within `timeout`.
RawResponse raw_exchange(uint16_t port, std::string_view bytes, bool half_close = false,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Sends `head`, waits for "100 Continue" (returning how long it took, or
// nullopt), then sends `body` and reads the final response.
struct ContinueExchange {
  std::optional<std::chrono::milliseconds> continue_after;
  RawResponse final_response;
};
ContinueExchange expect_continue_exchange(uint16_t port, std::string_view head,
                                          std::string_view body);

// Polls `condition` until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

// GET on the admin API; returns the body ("" on failure).
std::string http_get(uint16_t port, const std::string& path);

}  // namespace spanbench::testing
