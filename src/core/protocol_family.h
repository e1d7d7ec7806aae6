#pragma once

// The protocol families a client registry names (`protocol = "otlp"` in
// clients.toml): what the satellites of a client's run must speak. Each is
// declared once, in protocol_family.cc; its wire protocols are the rows of
// the satellites' protocol table (src/satellite/protocol.h) that name it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace spanbench {

enum class ProtocolFamily : uint8_t {
  kLightstep,
  kOtlp,
  kOtlpGrpc,
  kZipkin,
  kDatadog,
  kJaeger,
  kNone,  // reports nowhere (no-op and in-memory clients)
};
inline constexpr size_t kProtocolFamilyCount = static_cast<size_t>(ProtocolFamily::kNone) + 1;

// What a satellite group's TCP ports speak. UDP (Jaeger agent) and the admin
// port are the same for both.
enum class SatelliteTransport {
  kHttp,  // HTTP/1.1, every protocol by path, plus the admin API
  kGrpc,  // gRPC h2c, OTLP TraceService/Export
};

struct ProtocolFamilySpec {
  ProtocolFamily family = ProtocolFamily::kNone;
  std::string_view name;                                     // registry spelling
  SatelliteTransport transport = SatelliteTransport::kHttp;  // what the run's satellites speak
  bool carries_logs = true;  // span logs reach the satellites (Datadog's do not)
};

// Every family, in ProtocolFamily order (kNone last).
std::span<const ProtocolFamilySpec> protocol_families();
const ProtocolFamilySpec& family_spec(ProtocolFamily family);
std::string_view family_name(ProtocolFamily family);
// The registry spelling; nullopt for an unknown name.
std::optional<ProtocolFamily> parse_protocol_family(std::string_view name);
// "lightstep, otlp, ..., none": for error messages.
std::string known_protocol_families();

}  // namespace spanbench
