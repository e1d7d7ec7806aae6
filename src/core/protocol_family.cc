#include "core/protocol_family.h"

namespace spanbench {
namespace {

// In ProtocolFamily order (also the order error messages list them in).
constexpr ProtocolFamilySpec kFamilies[] = {
    {ProtocolFamily::kLightstep, "lightstep", SatelliteTransport::kHttp, true},
    {ProtocolFamily::kOtlp, "otlp", SatelliteTransport::kHttp, true},
    {ProtocolFamily::kOtlpGrpc, "otlp-grpc", SatelliteTransport::kGrpc, true},
    {ProtocolFamily::kZipkin, "zipkin", SatelliteTransport::kHttp, true},
    {ProtocolFamily::kDatadog, "datadog", SatelliteTransport::kHttp, false},
    {ProtocolFamily::kJaeger, "jaeger", SatelliteTransport::kHttp, true},
    {ProtocolFamily::kNone, "none", SatelliteTransport::kHttp, true},
};

constexpr bool in_enum_order() {
  if (std::size(kFamilies) != kProtocolFamilyCount) return false;
  for (size_t i = 0; i < kProtocolFamilyCount; ++i) {
    if (static_cast<size_t>(kFamilies[i].family) != i) return false;
  }
  return true;
}
static_assert(in_enum_order(), "kFamilies must list every ProtocolFamily, in order");

}  // namespace

std::span<const ProtocolFamilySpec> protocol_families() { return kFamilies; }

const ProtocolFamilySpec& family_spec(ProtocolFamily family) {
  const auto i = static_cast<size_t>(family);
  return kFamilies[i < kProtocolFamilyCount ? i : kProtocolFamilyCount - 1];
}

std::string_view family_name(ProtocolFamily family) { return family_spec(family).name; }

std::optional<ProtocolFamily> parse_protocol_family(std::string_view name) {
  for (const ProtocolFamilySpec& spec : kFamilies) {
    if (spec.name == name) return spec.family;
  }
  return std::nullopt;
}

std::string known_protocol_families() {
  std::string out;
  for (const ProtocolFamilySpec& spec : kFamilies) {
    if (!out.empty()) out += ", ";
    out += spec.name;
  }
  return out;
}

}  // namespace spanbench
