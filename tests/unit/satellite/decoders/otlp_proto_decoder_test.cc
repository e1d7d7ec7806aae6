#include <gtest/gtest.h>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "satellite/proto/otlp_trace_service.pb.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

TEST(OtlpProtoDecoder, DecodesRealRequest) {
  const auto ids = random_ids(64);
  expect_decodes(decode_otlp_proto, otlp_proto(ids), ids, 640, 960);
}

TEST(OtlpProtoDecoder, DecodesDeprecatedInstrumentationLibrarySpans) {
  const auto ids = random_ids(5);
  expect_decodes(decode_otlp_proto, otlp_proto(ids, {}, OtlpLayout::kInstrumentationLibrarySpans),
                 ids, 50, 75);
}

TEST(OtlpProtoDecoder, DecodesSeveralResourcesAndScopes) {
  ExportTraceServiceRequest request;
  std::vector<uint64_t> expected;
  for (int r = 0; r < 3; ++r) {
    auto* resource_spans = request.add_resource_spans();
    for (int s = 0; s < 2; ++s) {
      auto* scope_spans = resource_spans->add_scope_spans();
      auto* span = scope_spans->add_spans();
      const uint64_t id = 0x0102030405060700ull + static_cast<uint64_t>(r * 2 + s);
      std::string bytes;
      for (int i = 7; i >= 0; --i) bytes += static_cast<char>((id >> (8 * i)) & 0xff);
      span->set_span_id(bytes);
      span->add_attributes()->set_key("k");
      expected.push_back(id);
    }
  }
  expect_decodes(decode_otlp_proto, request.SerializeAsString(), expected, 6, 0);
}

TEST(OtlpProtoDecoder, ReadsSpanIdBigEndian) {
  ExportTraceServiceRequest request;
  request.add_resource_spans()->add_scope_spans()->add_spans()->set_span_id(
      std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  expect_decodes(decode_otlp_proto, request.SerializeAsString(), {0x0102030405060708ull}, 0, 0);
}

TEST(OtlpProtoDecoder, EmptyRequestHasNoSpans) {
  expect_decodes(decode_otlp_proto, "", {}, 0, 0);
  expect_decodes(decode_otlp_proto, otlp_proto({}), {}, 0, 0);
}

TEST(OtlpProtoDecoder, RejectsBadSpanIds) {
  ExportTraceServiceRequest request;
  auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_span_id("1234");
  std::string why = expect_fails(decode_otlp_proto, request.SerializeAsString());
  EXPECT_NE(why.find("8 bytes, got 4"), std::string::npos) << why;
  span->clear_span_id();
  span->set_name("no id");
  why = expect_fails(decode_otlp_proto, request.SerializeAsString());
  EXPECT_NE(why.find("without span_id"), std::string::npos) << why;
}

TEST(OtlpProtoDecoder, TruncationsFailCleanly) {
  const auto ids = random_ids(3);
  expect_truncations_fail(decode_otlp_proto, otlp_proto(ids, {2, 3}), ids,
                          /*prefix_may_decode=*/true);
}

TEST(OtlpProtoDecoder, RejectsJsonWithHint) {
  const auto ids = random_ids(2);
  const std::string why = expect_fails(decode_otlp_proto, otlp_json(ids));
  EXPECT_NE(why.find("looks like JSON"), std::string::npos) << why;
  EXPECT_NE(why.find("OTLP"), std::string::npos) << why;
}

TEST(OtlpProtoDecoder, RejectsOtherProtocols) {
  // A field-1 varint where resource_spans should be.
  const std::string why = expect_fails(decode_otlp_proto, std::string("\x08\x96\x01", 3));
  EXPECT_NE(why.find("wire type 0"), std::string::npos) << why;
  expect_fails(decode_otlp_proto, gzip(otlp_proto(random_ids(4))));
}

TEST(OtlpProtoDecoder, ReadsEndTimeUnixNano) {
  const auto ids = random_ids(5);
  expect_end_times(decode_otlp_proto, otlp_proto(ids, timed_shape()), timed_shape(), 5);
  expect_end_times(decode_otlp_proto,
                   otlp_proto(ids, timed_shape(), OtlpLayout::kInstrumentationLibrarySpans),
                   timed_shape(), 5);
}

}  // namespace
}  // namespace spanbench::satellite::testing
