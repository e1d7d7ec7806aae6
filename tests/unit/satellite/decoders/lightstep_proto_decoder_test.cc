#include <gtest/gtest.h>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "satellite/proto/lightstep_collector.pb.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

TEST(LightStepProtoDecoder, DecodesRealReport) {
  const auto ids = random_ids(64);
  expect_decodes(decode_lightstep_proto, lightstep_proto(ids), ids, 64 * 10, 64 * 15);
}

TEST(LightStepProtoDecoder, CountsOtherShapes) {
  const auto ids = random_ids(3, 7);
  expect_decodes(decode_lightstep_proto, lightstep_proto(ids, {.tags = 0, .logs = 2}), ids, 0, 6);
}

TEST(LightStepProtoDecoder, EmptyReportHasNoSpans) {
  expect_decodes(decode_lightstep_proto, "", {}, 0, 0);
  expect_decodes(decode_lightstep_proto, lightstep_proto({}), {}, 0, 0);
}

TEST(LightStepProtoDecoder, SpanWithoutContextHasIdZero) {
  lightstep::collector::ReportRequest report;
  report.add_spans()->set_operation_name("no context");
  expect_decodes(decode_lightstep_proto, report.SerializeAsString(), {0}, 0, 0);
}

TEST(LightStepProtoDecoder, AppendsToExistingOutput) {
  const auto first = random_ids(2, 1);
  const auto second = random_ids(3, 2);
  DecodedReport out;
  ASSERT_TRUE(decode_lightstep_proto(lightstep_proto(first), out).ok);
  ASSERT_TRUE(decode_lightstep_proto(lightstep_proto(second), out).ok);
  std::vector<uint64_t> both = first;
  both.insert(both.end(), second.begin(), second.end());
  EXPECT_EQ(out.span_ids, both);
  EXPECT_EQ(out.tag_count, 50u);
  EXPECT_EQ(out.log_count, 75u);
}

TEST(LightStepProtoDecoder, TruncationsFailCleanly) {
  const auto ids = random_ids(3);
  expect_truncations_fail(decode_lightstep_proto, lightstep_proto(ids, {2, 3}), ids,
                          /*prefix_may_decode=*/true);
}

TEST(LightStepProtoDecoder, RejectsJsonWithHint) {
  const std::string why = expect_fails(decode_lightstep_proto, R"({"span_records":[]})");
  EXPECT_NE(why.find("JSON"), std::string::npos) << why;
  EXPECT_NE(why.find("LightStep"), std::string::npos) << why;
}

TEST(LightStepProtoDecoder, RejectsMalformedWireFormat) {
  // Field 3 (spans) as a varint.
  const std::string why = expect_fails(decode_lightstep_proto, std::string("\x18\x01", 2));
  EXPECT_NE(why.find("wire type 0"), std::string::npos) << why;
  // A zero tag, a length past the end, a stray end-group, an unterminated group.
  expect_fails(decode_lightstep_proto, std::string("\x00\x01", 2));
  expect_fails(decode_lightstep_proto, std::string("\x1a\x05\x0a", 3));
  expect_fails(decode_lightstep_proto, std::string("\x0c", 1));
  expect_fails(decode_lightstep_proto, std::string("\x0b\x08\x01", 3));
  // A span whose tag length overruns the span but not the body.
  expect_fails(decode_lightstep_proto, std::string("\x1a\x02\x32\x05\x00\x00\x00\x00\x00", 9));
}

TEST(LightStepProtoDecoder, RejectsDeeplyNestedGroups) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += '\x0b';  // field 1 start-group, nested
  for (int i = 0; i < 5000; ++i) body += '\x0c';
  expect_fails(decode_lightstep_proto, body);
}

TEST(LightStepProtoDecoder, ReadsEndAsStartTimestampPlusDurationMicros) {
  const auto ids = random_ids(5);
  expect_end_times(decode_lightstep_proto, lightstep_proto(ids, timed_shape()), timed_shape(), 5);
}

}  // namespace
}  // namespace spanbench::satellite::testing
