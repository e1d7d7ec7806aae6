#include <gtest/gtest.h>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

TEST(ZipkinJsonDecoder, DecodesRealSpans) {
  const auto ids = random_ids(32);
  expect_decodes(decode_zipkin_json, zipkin_json(ids), ids, 320, 480);
}

TEST(ZipkinJsonDecoder, AcceptsShortIdsAndMissingCollections) {
  expect_decodes(decode_zipkin_json,
                 R"([{"id":"a"},{"id":"00000000000000ff","tags":{"k":"v"},"annotations":null}])",
                 {0xa, 0xff}, 1, 0);
}

TEST(ZipkinJsonDecoder, EmptyArrayHasNoSpans) {
  expect_decodes(decode_zipkin_json, "[]", {}, 0, 0);
  expect_decodes(decode_zipkin_json, " [ ] \n", {}, 0, 0);
}

TEST(ZipkinJsonDecoder, TruncationsFail) {
  const auto ids = random_ids(3);
  expect_truncations_fail(decode_zipkin_json, zipkin_json(ids, {2, 2}), ids);
}

TEST(ZipkinJsonDecoder, RejectsBadSpans) {
  std::string why = expect_fails(decode_zipkin_json, R"([{"id":"a"},{"name":"x"}])");
  EXPECT_NE(why.find("span [1] has no string id"), std::string::npos) << why;
  why = expect_fails(decode_zipkin_json, R"([{"id":"0123456789abcdef0"}])");
  EXPECT_NE(why.find("not 1-16 hex digits"), std::string::npos) << why;
  why = expect_fails(decode_zipkin_json, R"([{"id":"z\nz"}])");
  EXPECT_NE(why.find("\"z?z\""), std::string::npos) << why;
  expect_fails(decode_zipkin_json, R"([{"id":"1","tags":[]}])");
  expect_fails(decode_zipkin_json, R"([{"id":"1","annotations":{}}])");
  expect_fails(decode_zipkin_json, R"([1])");
}

TEST(ZipkinJsonDecoder, RejectsZipkinV1AndOtherFormats) {
  std::string why = expect_fails(decode_zipkin_json, R"({"spans":[]})");
  EXPECT_NE(why.find("expected an array of spans"), std::string::npos) << why;
  why = expect_fails(decode_zipkin_json, datadog_v04(random_ids(2)));
  EXPECT_NE(why.find("not valid Zipkin"), std::string::npos) << why;
  expect_fails(decode_zipkin_json, "");
  expect_fails(decode_zipkin_json, "[{\"id\":\"1\"}] trailing");
}

TEST(ZipkinJsonDecoder, ReadsEndAsTimestampPlusDurationMicros) {
  const auto ids = random_ids(5);
  expect_end_times(decode_zipkin_json, zipkin_json(ids, timed_shape()), timed_shape(), 5);
}

TEST(ZipkinJsonDecoder, SpanWithoutTimestampHasNoEndTime) {
  const auto ends =
      end_times(decode_zipkin_json, R"([{"id":"a"},{"id":"b","timestamp":1764460800000001},)"
                                    R"({"id":"c","timestamp":1764460800000001,"duration":2.5},)"
                                    R"({"id":"d","timestamp":"soon","duration":3}])");
  EXPECT_EQ(ends, (std::vector<int64_t>{DecodedReport::kNoEndTime, 1764460800000001000,
                                        1764460800000003000, DecodedReport::kNoEndTime}));
}

}  // namespace
}  // namespace spanbench::satellite::testing
