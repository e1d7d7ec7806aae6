#include "satellite/protocol.h"

namespace spanbench::satellite {

std::string_view protocol_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::kLightstepProto:
      return "lightstep_proto";
    case Protocol::kLightstepJson:
      return "lightstep_json";
    case Protocol::kOtlpProto:
      return "otlp_proto";
    case Protocol::kOtlpJson:
      return "otlp_json";
    case Protocol::kOtlpGrpc:
      return "otlp_grpc";
    case Protocol::kZipkinJson:
      return "zipkin_json";
    case Protocol::kDatadogV04:
      return "datadog_v04";
    case Protocol::kDatadogV05:
      return "datadog_v05";
    case Protocol::kJaegerThrift:
      return "jaeger_thrift";
    case Protocol::kJaegerAgent:
      return "jaeger_agent";
    case Protocol::kOther:
      return "other";
  }
  return "other";
}

}  // namespace spanbench::satellite
