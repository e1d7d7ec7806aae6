#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "satellite/protocol.h"

namespace spanbench::satellite {

// Seed semantics: how long a satellite takes per span, and whether it then
// succeeds.
enum class Mode {
  kTypical,      // ~0.05 us per span, then success
  kSlowSucceed,  // ~1 us per span, then success
  kSlowFail,     // ~0.01 us per span, then an error status; nothing counted
};

std::optional<Mode> parse_mode(std::string_view text);
std::string_view mode_name(Mode mode);
std::chrono::nanoseconds mode_delay_per_span(Mode mode);
std::optional<Transport> parse_transport(std::string_view text);
std::string_view transport_name(Transport transport);

// "8360-8367", "8360,8362", or "8360"; throws UsageError naming the problem,
// after "`option`: " (nothing when `option` is empty).
std::vector<uint16_t> parse_port_list(std::string_view text, std::string_view option = "--ports");

struct SatelliteOptions {
  std::string host = "127.0.0.1";
  std::vector<uint16_t> ports = {8360, 8361, 8362, 8363, 8364, 8365, 8366, 8367};
  Transport transport = Transport::kHttp;
  // Whole-group admin API (plain HTTP whatever the transport); 0 = none.
  uint16_t admin_port = 8359;
  // Jaeger agent datagrams on UDP at each satellite's port number.
  bool udp = true;

  Mode mode = Mode::kTypical;
  std::chrono::milliseconds latency{0};  // added to every report's answer
  double error_rate = 0.0;               // fraction of reports answered 503 / UNAVAILABLE
  uint64_t bandwidth_bytes_per_s = 0;    // whole group; 0 = unlimited
  // Take the satellites down / bring them back this long after run_started().
  std::optional<std::chrono::milliseconds> down_at;
  std::optional<std::chrono::milliseconds> up_at;

  size_t max_body_bytes = size_t{64} << 20;  // after gunzip, too
  // Request buffers (bodies, inflated bodies, buffers kept for the next
  // report) all HTTP satellites of the group may hold at once; 0 picks
  // max(512 MiB, 4 x max_body_bytes). Must allow 3 x max_body_bytes.
  uint64_t max_buffered_bytes = 0;
  // An HTTP request that stalls this long mid-way, or whose head takes
  // longer than this in all, is answered 408; a gRPC call whose request
  // message has not arrived this long after the call began ends with
  // DEADLINE_EXCEEDED.
  std::chrono::milliseconds read_timeout{5000};
  // Idle keep-alive connections are closed after this; long, because
  // tracers reuse connections and a server-side close can lose a report.
  std::chrono::seconds idle_timeout{120};

  // HTTP connections the group's satellite ports hold at once (kept below
  // the open file limit too). At the limit the longest-idle connection is
  // closed for a new one; when none is idle the new one is answered 503.
  size_t max_connections = 1024;
  // HTTP request heads: longer lines get 414 (request line) or 431, more
  // header lines or a larger head get 431.
  size_t max_header_line_bytes = 8192;
  size_t max_headers = 100;
  size_t max_head_bytes = 65536;
};

// Throws UsageError for options that cannot work together.
void validate(const SatelliteOptions& options);
// max_buffered_bytes, or its default when 0.
uint64_t buffered_bytes_limit(const SatelliteOptions& options);

// A port could not be bound. The CLI turns this into a message naming the
// option that moves the port.
class PortInUseError : public Error {
 public:
  enum class Kind { kSatellite, kAdmin };
  PortInUseError(Kind kind, uint16_t port, const std::string& what)
      : Error(what), kind_(kind), port_(port) {}
  Kind kind() const { return kind_; }
  uint16_t port() const { return port_; }

 private:
  Kind kind_;
  uint16_t port_;
};

}  // namespace spanbench::satellite
