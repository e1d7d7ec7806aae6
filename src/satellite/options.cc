#include "satellite/options.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>

namespace spanbench::satellite {
namespace {

// "--ports: " before a message, or nothing when the caller names the option.
std::string prefix(std::string_view option) {
  return option.empty() ? std::string() : std::string(option) + ": ";
}

uint16_t parse_port(std::string_view text, std::string_view whole, std::string_view option) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535) {
    throw UsageError(prefix(option) + "'" + std::string(text) + "' in '" + std::string(whole) +
                     "' is not a port number 1-65535 (use e.g. 8360-8367 or 8360,8361)");
  }
  return static_cast<uint16_t>(value);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "typical") return Mode::kTypical;
  if (text == "slow_succeed") return Mode::kSlowSucceed;
  if (text == "slow_fail") return Mode::kSlowFail;
  return std::nullopt;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::kTypical:
      return "typical";
    case Mode::kSlowSucceed:
      return "slow_succeed";
    case Mode::kSlowFail:
      return "slow_fail";
  }
  return "typical";
}

std::chrono::nanoseconds mode_delay_per_span(Mode mode) {
  switch (mode) {
    case Mode::kTypical:
      return std::chrono::nanoseconds(50);
    case Mode::kSlowSucceed:
      return std::chrono::nanoseconds(1000);
    case Mode::kSlowFail:
      return std::chrono::nanoseconds(10);
  }
  return std::chrono::nanoseconds(0);
}

std::optional<Transport> parse_transport(std::string_view text) {
  if (text == "http") return Transport::kHttp;
  if (text == "grpc") return Transport::kGrpc;
  return std::nullopt;
}

std::string_view transport_name(Transport transport) {
  return transport == Transport::kGrpc ? "grpc" : "http";
}

std::vector<uint16_t> parse_port_list(std::string_view text, std::string_view option) {
  std::vector<uint16_t> ports;
  std::string_view rest = text;
  while (true) {
    const size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      ports.push_back(parse_port(item, text, option));
    } else {
      const uint16_t first = parse_port(trim(item.substr(0, dash)), text, option);
      const uint16_t last = parse_port(trim(item.substr(dash + 1)), text, option);
      if (last < first) {
        throw UsageError(prefix(option) + "range '" + std::string(item) +
                         "' runs backwards (use low-high)");
      }
      if (last - first >= 1024) {
        throw UsageError(prefix(option) + "range '" + std::string(item) +
                         "' has more than 1024 ports");
      }
      for (unsigned p = first; p <= last; ++p) ports.push_back(static_cast<uint16_t>(p));
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::set<uint16_t> seen;
  for (uint16_t p : ports) {
    if (!seen.insert(p).second) {
      throw UsageError(prefix(option) + "port " + std::to_string(p) + " is listed twice in '" +
                       std::string(text) + "'");
    }
  }
  return ports;
}

void validate(const SatelliteOptions& options) {
  if (options.ports.empty()) throw UsageError("--ports: give at least one satellite port");
  for (uint16_t p : options.ports) {
    if (p == 0) throw UsageError("--ports: port 0 is not allowed");
    if (options.admin_port != 0 && p == options.admin_port) {
      throw UsageError("--admin-port " + std::to_string(p) +
                       " is also a satellite port; pick another --admin-port");
    }
  }
  if (!(options.error_rate >= 0.0 && options.error_rate <= 1.0)) {
    throw UsageError("--error-rate must be a fraction between 0 and 1");
  }
  if (options.latency.count() < 0) throw UsageError("--latency-ms must not be negative");
  if (options.down_at && options.down_at->count() < 0) {
    throw UsageError("--down-at must not be negative");
  }
  if (options.up_at) {
    if (!options.down_at) throw UsageError("--up-at needs --down-at");
    if (*options.up_at <= *options.down_at)
      throw UsageError("--up-at must be later than --down-at");
  }
  if (options.max_body_bytes == 0) throw UsageError("--max-body-bytes must be positive");
  if (options.read_timeout.count() <= 0) throw UsageError("read timeout must be positive");
  if (options.max_connections == 0) throw UsageError("--max-connections must be positive");
  if (options.max_buffered_bytes != 0 && options.max_buffered_bytes / 3 < options.max_body_bytes) {
    throw UsageError(
        "--max-buffered-bytes must be at least 3 x --max-body-bytes (a body and its "
        "inflated copy)");
  }
  if (options.max_header_line_bytes < 64 || options.max_headers == 0 ||
      options.max_head_bytes < options.max_header_line_bytes) {
    throw UsageError(
        "request head limits must allow a line of 64 bytes, one header, and a head at least "
        "one line long");
  }
}

uint64_t buffered_bytes_limit(const SatelliteOptions& options) {
  if (options.max_buffered_bytes != 0) return options.max_buffered_bytes;
  return std::max<uint64_t>(uint64_t{512} << 20, uint64_t{4} * options.max_body_bytes);
}

}  // namespace spanbench::satellite
