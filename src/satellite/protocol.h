#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace spanbench::satellite {

// The wire protocols a satellite tells apart, for per-protocol counts.
// kOther collects what belongs to no protocol (unknown paths, broken HTTP).
enum class Protocol : uint8_t {
  kLightstepProto,
  kLightstepJson,
  kOtlpProto,
  kOtlpJson,
  kOtlpGrpc,
  kZipkinJson,
  kDatadogV04,
  kDatadogV05,
  kJaegerThrift,
  kJaegerAgent,
  kOther,
};
inline constexpr size_t kProtocolCount = static_cast<size_t>(Protocol::kOther) + 1;

// Stable snake_case names used as keys of `per_protocol` in /stats.
std::string_view protocol_name(Protocol protocol);

}  // namespace spanbench::satellite
