#include <gtest/gtest.h>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

class OtlpJsonFlavors : public ::testing::TestWithParam<OtlpJsonFlavor> {};

TEST_P(OtlpJsonFlavors, DecodesRealRequest) {
  const auto ids = random_ids(32);
  expect_decodes(decode_otlp_json, otlp_json(ids, {}, GetParam()), ids, 320, 480);
}

TEST_P(OtlpJsonFlavors, TruncationsFail) {
  const auto ids = random_ids(2);
  expect_truncations_fail(decode_otlp_json, otlp_json(ids, {1, 2}, GetParam()), ids);
}

INSTANTIATE_TEST_SUITE_P(All, OtlpJsonFlavors,
                         ::testing::Values(OtlpJsonFlavor::kSpec, OtlpJsonFlavor::kProtobufMapping,
                                           OtlpJsonFlavor::kProtobufSnakeCase,
                                           OtlpJsonFlavor::kLegacyJs));

TEST(OtlpJsonDecoder, ParsesHexAndBase64Ids) {
  expect_decodes(decode_otlp_json,
                 R"({"resourceSpans":[{"scopeSpans":[{"spans":[)"
                 R"({"spanId":"0102030405060708"},{"spanId":"AQIDBAUGBwg="},)"
                 R"({"spanId":"FFFFFFFFFFFFFFFF","attributes":null,"events":[]}]}]}]})",
                 {0x0102030405060708ull, 0x0102030405060708ull, ~0ull}, 0, 0);
}

TEST(OtlpJsonDecoder, EmptyRequestsHaveNoSpans) {
  expect_decodes(decode_otlp_json, "{}", {}, 0, 0);
  expect_decodes(decode_otlp_json, R"({"resourceSpans":[]})", {}, 0, 0);
  expect_decodes(decode_otlp_json, R"({"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]})", {}, 0,
                 0);
  expect_decodes(decode_otlp_json, otlp_json({}), {}, 0, 0);
}

TEST(OtlpJsonDecoder, RejectsBadSpans) {
  std::string why = expect_fails(
      decode_otlp_json, R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"xyz"}]}]}]})");
  EXPECT_NE(why.find("resourceSpans[0].scopeSpans[0].spans[0].spanId"), std::string::npos) << why;
  why = expect_fails(decode_otlp_json, R"({"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]})");
  EXPECT_NE(why.find("no spanId"), std::string::npos) << why;
  expect_fails(decode_otlp_json, R"({"resourceSpans":[{"scopeSpans":[{"spans":[7]}]}]})");
  expect_fails(decode_otlp_json,
               R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"0102030405060708",)"
               R"("attributes":{}}]}]}]})");
  // Base64 with non-zero padding bits is not a canonical 8-byte id.
  expect_fails(decode_otlp_json,
               R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"AQIDBAUGBwh="}]}]}]})");
  why = expect_fails(decode_otlp_json, R"({"resourceSpans":{}})");
  EXPECT_NE(why.find("expected an array"), std::string::npos) << why;
  why = expect_fails(decode_otlp_json, "[]");
  EXPECT_NE(why.find("top level is an array"), std::string::npos) << why;
}

TEST(OtlpJsonDecoder, RejectsProtobufWithReason) {
  const std::string why = expect_fails(decode_otlp_json, otlp_proto(random_ids(2)));
  EXPECT_NE(why.find("not valid OTLP JSON"), std::string::npos) << why;
  EXPECT_NE(why.find("binary"), std::string::npos) << why;
  expect_fails(decode_otlp_json, "");
}

TEST(OtlpJsonDecoder, RejectsGzipWithHint) {
  const std::string why = expect_fails(decode_otlp_json, gzip(otlp_json(id_range(1, 1))));
  EXPECT_NE(why.find("gzip"), std::string::npos) << why;
}

TEST_P(OtlpJsonFlavors, ReadsEndTimeUnixNano) {
  const auto ids = random_ids(5);
  expect_end_times(decode_otlp_json, otlp_json(ids, timed_shape(), GetParam()), timed_shape(), 5);
}

TEST(OtlpJsonDecoder, ReadsEndTimeAsStringOrNumberAndNothingElse) {
  const auto ends = end_times(
      decode_otlp_json, R"({"resourceSpans":[{"scopeSpans":[{"spans":[)"
                        R"({"spanId":"0000000000000001","endTimeUnixNano":"1764460800123456789"},)"
                        R"({"spanId":"0000000000000002","end_time_unix_nano":1764460800000000000},)"
                        R"({"spanId":"0000000000000003"},)"
                        R"({"spanId":"0000000000000004","endTimeUnixNano":"0"},)"
                        R"({"spanId":"0000000000000005","endTimeUnixNano":"12x"},)"
                        R"({"spanId":"0000000000000006","endTimeUnixNano":"99999999999999999999"})"
                        R"(]}]}]})");
  constexpr int64_t kNone = DecodedReport::kNoEndTime;
  EXPECT_EQ(ends, (std::vector<int64_t>{1764460800123456789, 1764460800000000000, kNone, kNone,
                                        kNone, kNone}));
}

}  // namespace
}  // namespace spanbench::satellite::testing
