#include "satellite/protocol.h"

namespace spanbench::satellite {
namespace {

constexpr std::string_view kJsonType = "application/json";
constexpr HttpAnswer kJsonAnswer{200, kJsonType, "{}"};
constexpr HttpAnswer kAcceptedAnswer{202, "", ""};
constexpr HttpAnswer kDatadogAnswer{200, kJsonType, R"({"rate_by_service":{}})"};

// The wire protocols, in Protocol order.
constexpr ProtocolSpec kProtocols[] = {
    {.protocol = Protocol::kLightstepProto,
     .name = "lightstep_proto",
     .family = ProtocolFamily::kLightstep,
     .carrier = Carrier::kHttp,
     .decode = decode_lightstep_proto,
     .http_path = "/api/v2/reports",
     .http_methods = "POST",
     // An empty body is an empty ReportResponse.
     .answer = {200, "application/octet-stream", ""}},
    {.protocol = Protocol::kLightstepJson,
     .name = "lightstep_json",
     .family = ProtocolFamily::kLightstep,
     .carrier = Carrier::kHttp,
     .decode = decode_lightstep_json,
     .http_path = "/api/v0/reports",
     .http_methods = "POST",
     .answer = kJsonAnswer},
    {.protocol = Protocol::kOtlpProto,
     .name = "otlp_proto",
     .family = ProtocolFamily::kOtlp,
     .carrier = Carrier::kHttp,
     .decode = decode_otlp_proto,
     .http_path = "/v1/traces",
     .http_methods = "POST",
     .content_types = {"application/x-protobuf", "application/protobuf",
                       "application/octet-stream"},
     .content_type_hint = "use application/x-protobuf or application/json",
     .answer = {200, "application/x-protobuf", ""}},
    {.protocol = Protocol::kOtlpJson,
     .name = "otlp_json",
     .family = ProtocolFamily::kOtlp,
     .carrier = Carrier::kHttp,
     .decode = decode_otlp_json,
     .http_path = "/v1/traces",
     .http_methods = "POST",
     .content_types = {kJsonType},
     .answer = kJsonAnswer},
    {.protocol = Protocol::kOtlpGrpc,
     .name = "otlp_grpc",
     .family = ProtocolFamily::kOtlpGrpc,
     .carrier = Carrier::kGrpc,
     .decode = decode_otlp_proto},
    {.protocol = Protocol::kZipkinJson,
     .name = "zipkin_json",
     .family = ProtocolFamily::kZipkin,
     .carrier = Carrier::kHttp,
     .decode = decode_zipkin_json,
     .http_path = "/api/v2/spans",
     .http_methods = "POST",
     .content_types = {kJsonType, "text/plain"},
     .content_type_hint = "only Zipkin v2 JSON is served",
     .answer = kAcceptedAnswer},
    {.protocol = Protocol::kDatadogV04,
     .name = "datadog_v04",
     .family = ProtocolFamily::kDatadog,
     .carrier = Carrier::kHttp,
     .decode = decode_datadog_v04,
     .http_path = "/v0.4/traces",
     .http_methods = "PUT, POST",
     .answer = kDatadogAnswer},
    {.protocol = Protocol::kDatadogV05,
     .name = "datadog_v05",
     .family = ProtocolFamily::kDatadog,
     .carrier = Carrier::kHttp,
     .decode = decode_datadog_v05,
     .http_path = "/v0.5/traces",
     .http_methods = "PUT, POST",
     .answer = kDatadogAnswer},
    {.protocol = Protocol::kJaegerThrift,
     .name = "jaeger_thrift",
     .family = ProtocolFamily::kJaeger,
     .carrier = Carrier::kHttp,
     .decode = decode_jaeger_thrift_binary_batch,
     .http_path = "/api/traces",
     .http_methods = "POST",
     .answer = kAcceptedAnswer},
    {.protocol = Protocol::kJaegerAgent,
     .name = "jaeger_agent",
     .family = ProtocolFamily::kJaeger,
     .carrier = Carrier::kUdp,
     .decode = decode_jaeger_agent_datagram},
    {.protocol = Protocol::kOther,
     .name = "other",
     .family = ProtocolFamily::kNone,
     .carrier = Carrier::kNone,
     .decode = nullptr},
};

constexpr bool in_enum_order() {
  if (std::size(kProtocols) != kProtocolCount) return false;
  for (size_t i = 0; i < kProtocolCount; ++i) {
    if (static_cast<size_t>(kProtocols[i].protocol) != i) return false;
    // Only a protocol served over HTTP has a path and methods. (That all
    // but kOther have a decoder is checked by a unit test: comparing a
    // function's address is not a constant expression under ASan.)
    const bool http = kProtocols[i].carrier == Carrier::kHttp;
    if (http != !kProtocols[i].http_path.empty()) return false;
    if (http != !kProtocols[i].http_methods.empty()) return false;
  }
  return true;
}
static_assert(in_enum_order(), "kProtocols must list every Protocol, in order");

bool takes_content_type(const ProtocolSpec& spec, std::string_view content_type) {
  bool any = true;
  for (std::string_view prefix : spec.content_types) {
    if (prefix.empty()) continue;
    any = false;
    if (content_type.starts_with(prefix)) return true;
  }
  return any;
}

}  // namespace

std::span<const ProtocolSpec> protocol_specs() { return kProtocols; }

const ProtocolSpec& protocol_spec(Protocol protocol) {
  const auto i = static_cast<size_t>(protocol);
  return kProtocols[i < kProtocolCount ? i : kProtocolCount - 1];
}

std::string_view protocol_name(Protocol protocol) { return protocol_spec(protocol).name; }

const ProtocolSpec* http_protocol_at(std::string_view path) {
  for (const ProtocolSpec& spec : kProtocols) {
    if (spec.carrier == Carrier::kHttp && spec.http_path == path) return &spec;
  }
  return nullptr;
}

const ProtocolSpec* http_protocol_for(std::string_view path, std::string_view content_type) {
  if (content_type.empty()) return http_protocol_at(path);
  for (const ProtocolSpec& spec : kProtocols) {
    if (spec.carrier == Carrier::kHttp && spec.http_path == path &&
        takes_content_type(spec, content_type)) {
      return &spec;
    }
  }
  return nullptr;
}

bool http_method_allowed(const ProtocolSpec& spec, std::string_view method) {
  std::string_view rest = spec.http_methods;
  while (!rest.empty()) {
    const size_t comma = rest.find(", ");
    if (rest.substr(0, comma) == method) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 2);
  }
  return false;
}

}  // namespace spanbench::satellite
