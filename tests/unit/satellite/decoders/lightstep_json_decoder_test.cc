#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

TEST(LightStepJsonDecoder, DecodesReportShapedLikeTheNodeTracer) {
  const auto ids = random_ids(32);
  expect_decodes(decode_lightstep_json, lightstep_json(ids), ids, 320, 480);
}

// A body really posted by lightstep-tracer 0.35 for Node (see data/README.md).
TEST(LightStepJsonDecoder, DecodesCapturedNodeTracerReport) {
  std::ifstream file(SPANBENCH_DECODER_TEST_DATA "/lightstep_node_0.35_report.json.gz",
                     std::ios::binary);
  ASSERT_TRUE(file) << "missing test data";
  std::stringstream gz;
  gz << file.rdbuf();
  std::string body;
  const DecodeStatus unzipped = gunzip(gz.str(), body, 1 << 20);
  ASSERT_TRUE(unzipped.ok) << unzipped.error;
  expect_decodes(decode_lightstep_json, body,
                 {0x5a2533983392bf6full, 0x7b29853224ac2146ull, 0x5cb84df068c3e76bull}, 30, 45);
}

TEST(LightStepJsonDecoder, HashesGuidsThatAreNotHex) {
  DecodedReport first;
  DecodedReport second;
  ASSERT_TRUE(decode_lightstep_json(R"({"span_records":[{"span_guid":"not-hex"}]})", first).ok);
  ASSERT_TRUE(decode_lightstep_json(R"({"span_records":[{"span_guid":"not-hex"},)"
                                    R"({"span_guid":"other-guid"}]})",
                                    second)
                  .ok);
  ASSERT_EQ(first.span_ids.size(), 1u);
  ASSERT_EQ(second.span_ids.size(), 2u);
  EXPECT_EQ(first.span_ids[0], second.span_ids[0]);
  EXPECT_NE(second.span_ids[0], second.span_ids[1]);
  EXPECT_NE(first.span_ids[0], 0u);
}

TEST(LightStepJsonDecoder, EmptyReportsHaveNoSpans) {
  expect_decodes(decode_lightstep_json, "{}", {}, 0, 0);
  expect_decodes(decode_lightstep_json, R"({"span_records":null})", {}, 0, 0);
  expect_decodes(decode_lightstep_json, lightstep_json({}), {}, 0, 0);
}

TEST(LightStepJsonDecoder, NullCollectionsCountZero) {
  expect_decodes(decode_lightstep_json,
                 R"({"span_records":[{"span_guid":"10","attributes":null,"log_records":null}]})",
                 {0x10}, 0, 0);
}

TEST(LightStepJsonDecoder, TruncationsFail) {
  const auto ids = random_ids(2);
  expect_truncations_fail(decode_lightstep_json, lightstep_json(ids, {1, 2}), ids);
}

TEST(LightStepJsonDecoder, RejectsBadReports) {
  std::string why = expect_fails(decode_lightstep_json, R"({"span_records":[{"span_guid":5}]})");
  EXPECT_NE(why.find("span_records[0] has no string span_guid"), std::string::npos) << why;
  why = expect_fails(decode_lightstep_json, R"({"span_records":{}})");
  EXPECT_NE(why.find("expected an array"), std::string::npos) << why;
  expect_fails(decode_lightstep_json, R"({"span_records":[{"span_guid":"1","attributes":{}}]})");
  expect_fails(decode_lightstep_json, R"({"span_records":[{"span_guid":"1","log_records":3}]})");
  expect_fails(decode_lightstep_json, "[]");
}

TEST(LightStepJsonDecoder, RejectsProtobufAndGzip) {
  const auto ids = random_ids(2);
  std::string why = expect_fails(decode_lightstep_json, lightstep_proto(ids));
  EXPECT_NE(why.find("not valid LightStep report JSON"), std::string::npos) << why;
  why = expect_fails(decode_lightstep_json, gzip(lightstep_json(ids)));
  EXPECT_NE(why.find("gzip"), std::string::npos) << why;
}

TEST(LightStepJsonDecoder, ReadsEndAsYoungestMicros) {
  const auto ids = random_ids(5);
  expect_end_times(decode_lightstep_json, lightstep_json(ids, timed_shape()), timed_shape(), 5);
}

TEST(LightStepJsonDecoder, SpanWithoutYoungestMicrosHasNoEndTime) {
  const auto ends = end_times(decode_lightstep_json,
                              R"({"span_records":[{"span_guid":"a","youngest_micros":null},)"
                              R"({"span_guid":"b","youngest_micros":1764460800000001}]})");
  EXPECT_EQ(ends, (std::vector<int64_t>{DecodedReport::kNoEndTime, 1764460800000001000}));
}

TEST(LightStepJsonDecoder, CapturedNodeTracerReportHasPlausibleEndTimes) {
  std::ifstream file(SPANBENCH_DECODER_TEST_DATA "/lightstep_node_0.35_report.json.gz",
                     std::ios::binary);
  ASSERT_TRUE(file) << "missing test data";
  std::stringstream gz;
  gz << file.rdbuf();
  std::string body;
  ASSERT_TRUE(gunzip(gz.str(), body, 1 << 20).ok);
  for (int64_t end : end_times(decode_lightstep_json, body)) {
    // Stamped by a real tracer: after 2015, before 2100, in nanoseconds.
    EXPECT_GT(end, int64_t{1'420'070'400} * 1'000'000'000);
    EXPECT_LT(end, int64_t{4'102'444'800} * 1'000'000'000);
  }
}

}  // namespace
}  // namespace spanbench::satellite::testing
