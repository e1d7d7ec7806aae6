#include "satellite/protocol.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace spanbench::satellite {
namespace {

TEST(ProtocolTable, NamesAreTheStatsKeys) {
  // /stats's per_protocol keys are part of the satellites' interface.
  std::string names;
  for (const ProtocolSpec& spec : protocol_specs()) {
    EXPECT_EQ(&protocol_spec(spec.protocol), &spec);
    EXPECT_EQ(protocol_name(spec.protocol), spec.name);
    names += std::string(spec.name) + " ";
  }
  EXPECT_EQ(names,
            "lightstep_proto lightstep_json otlp_proto otlp_json otlp_grpc zipkin_json "
            "datadog_v04 datadog_v05 jaeger_thrift jaeger_agent other ");
}

TEST(ProtocolTable, EveryFamilyButNoneHasProtocolsAndEveryProtocolADecoder) {
  std::set<ProtocolFamily> served;
  for (const ProtocolSpec& spec : protocol_specs()) {
    if (spec.protocol == Protocol::kOther) {
      EXPECT_EQ(spec.decode, nullptr);
      continue;
    }
    EXPECT_NE(spec.decode, nullptr) << spec.name;
    served.insert(spec.family);
  }
  for (const ProtocolFamilySpec& family : protocol_families()) {
    EXPECT_EQ(served.count(family.family), family.family == ProtocolFamily::kNone ? 0u : 1u)
        << family.name;
  }
}

TEST(ProtocolTable, FamiliesParseByTheirRegistrySpelling) {
  EXPECT_EQ(known_protocol_families(), "lightstep, otlp, otlp-grpc, zipkin, datadog, jaeger, none");
  for (const ProtocolFamilySpec& family : protocol_families()) {
    EXPECT_EQ(parse_protocol_family(family.name), family.family);
    EXPECT_EQ(family_name(family.family), family.name);
  }
  EXPECT_EQ(parse_protocol_family("OTLP"), std::nullopt);
  EXPECT_EQ(parse_protocol_family("otlp_grpc"), std::nullopt);
  EXPECT_EQ(parse_protocol_family(""), std::nullopt);
}

TEST(ProtocolTable, FamilyTransportAndLogs) {
  EXPECT_EQ(family_spec(ProtocolFamily::kOtlpGrpc).transport, Transport::kGrpc);
  EXPECT_EQ(family_spec(ProtocolFamily::kOtlp).transport, Transport::kHttp);
  EXPECT_EQ(family_spec(ProtocolFamily::kJaeger).transport, Transport::kHttp);
  EXPECT_FALSE(family_spec(ProtocolFamily::kDatadog).carries_logs);
  EXPECT_TRUE(family_spec(ProtocolFamily::kZipkin).carries_logs);
}

TEST(ProtocolTable, HttpPathAndContentTypePickTheProtocol) {
  auto protocol_for = [](std::string_view path, std::string_view type) {
    const ProtocolSpec* spec = http_protocol_for(path, type);
    return spec ? spec->protocol : Protocol::kOther;
  };
  EXPECT_EQ(protocol_for("/v1/traces", ""), Protocol::kOtlpProto);
  EXPECT_EQ(protocol_for("/v1/traces", "application/x-protobuf"), Protocol::kOtlpProto);
  EXPECT_EQ(protocol_for("/v1/traces", "application/octet-stream"), Protocol::kOtlpProto);
  EXPECT_EQ(protocol_for("/v1/traces", "application/json; charset=utf-8"), Protocol::kOtlpJson);
  EXPECT_EQ(http_protocol_for("/v1/traces", "text/plain"), nullptr);
  EXPECT_EQ(protocol_for("/api/v2/spans", "text/plain"), Protocol::kZipkinJson);
  EXPECT_EQ(http_protocol_for("/api/v2/spans", "application/x-thrift"), nullptr);
  EXPECT_EQ(protocol_for("/v0.5/traces", "application/msgpack"), Protocol::kDatadogV05);
  EXPECT_EQ(protocol_for("/api/traces", "application/x-thrift"), Protocol::kJaegerThrift);
  EXPECT_EQ(protocol_for("/api/v2/reports", ""), Protocol::kLightstepProto);
  EXPECT_EQ(protocol_for("/api/v0/reports", ""), Protocol::kLightstepJson);
  EXPECT_EQ(http_protocol_at("/nowhere"), nullptr);
  // gRPC and UDP protocols have no HTTP path, so an empty one matches none.
  EXPECT_EQ(http_protocol_at(""), nullptr);
  EXPECT_EQ(http_protocol_at("/v1/traces")->content_type_hint,
            "use application/x-protobuf or application/json");
}

TEST(ProtocolTable, HttpMethods) {
  const ProtocolSpec& v04 = protocol_spec(Protocol::kDatadogV04);
  EXPECT_TRUE(http_method_allowed(v04, "PUT"));
  EXPECT_TRUE(http_method_allowed(v04, "POST"));
  EXPECT_FALSE(http_method_allowed(v04, "GET"));
  EXPECT_FALSE(http_method_allowed(v04, "PUT, POST"));
  const ProtocolSpec& zipkin = protocol_spec(Protocol::kZipkinJson);
  EXPECT_TRUE(http_method_allowed(zipkin, "POST"));
  EXPECT_FALSE(http_method_allowed(zipkin, "PUT"));
  EXPECT_FALSE(http_method_allowed(protocol_spec(Protocol::kOtlpGrpc), "POST"));
}

}  // namespace
}  // namespace spanbench::satellite
