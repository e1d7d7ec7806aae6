#pragma once

// The protocol table: every wire protocol the satellites serve is declared
// here once, with the registry family (core/protocol_family.h) it belongs
// to; the HTTP router and the ingest path read it. Adding a protocol is one
// decoder file and one row in protocol.cc (see
// src/satellite/decoders/README.md).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/protocol_family.h"
#include "satellite/decoders/decoder.h"

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

// What a satellite group's TCP ports speak (core/protocol_family.h).
using Transport = SatelliteTransport;

// How reports of one wire protocol reach a satellite.
enum class Carrier : uint8_t { kHttp, kGrpc, kUdp, kNone };

// What an HTTP satellite answers to an accepted report.
struct HttpAnswer {
  int status = 200;               // 200 is left to httplib, others are set
  std::string_view content_type;  // empty: no body and no Content-Type
  std::string_view body;
};

// One wire protocol. Fields a protocol does not use stay empty.
struct ProtocolSpec {
  Protocol protocol = Protocol::kOther;
  std::string_view name;  // snake_case key of `per_protocol` in /stats
  ProtocolFamily family = ProtocolFamily::kNone;
  Carrier carrier = Carrier::kNone;
  DecodeFn decode = nullptr;  // null for kOther only
  // HTTP only. Protocols may share a path; a request's Content-Type picks
  // the first one (in table order) listing a prefix of it, and a request
  // without one gets the first protocol at the path.
  std::string_view http_path = {};
  std::string_view http_methods = {};  // "POST" or "PUT, POST": the 405's Allow header
  // Lowercase Content-Type prefixes this protocol takes; none: any.
  std::array<std::string_view, 3> content_types = {};
  std::string_view content_type_hint = {};  // for a 415 at this path
  HttpAnswer answer = {};
};

// Every wire protocol, in Protocol order (kOther last).
std::span<const ProtocolSpec> protocol_specs();
const ProtocolSpec& protocol_spec(Protocol protocol);
// Stable snake_case names used as keys of `per_protocol` in /stats.
std::string_view protocol_name(Protocol protocol);

// The HTTP protocol served at `path` when the request does not say which:
// the first at that path; null when no protocol is served there.
const ProtocolSpec* http_protocol_at(std::string_view path);
// Of the protocols served at `path`, the one taking `content_type`
// (lowercase; empty: the default above); null means 415.
const ProtocolSpec* http_protocol_for(std::string_view path, std::string_view content_type);
// Whether `method` is one of `spec.http_methods`.
bool http_method_allowed(const ProtocolSpec& spec, std::string_view method);

}  // namespace spanbench::satellite
