#include <gtest/gtest.h>

#include <msgpack.hpp>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

std::string pack(const msgpack::sbuffer& buffer) { return {buffer.data(), buffer.size()}; }

TEST(DatadogV04Decoder, DecodesMinimalHeaders) {
  const auto ids = random_ids(33);
  expect_decodes(decode_datadog_v04, datadog_v04(ids), ids, 330, 0);
}

TEST(DatadogV04Decoder, DecodesWideHeadersAsDdTraceWritesThem) {
  const auto ids = random_ids(33);
  const std::string body = datadog_v04(ids, {}, /*wide_headers=*/true);
  ASSERT_EQ(static_cast<unsigned char>(body[0]), 0xdd) << "expected an array32 header";
  expect_decodes(decode_datadog_v04, body, ids, 330, 0);
}

TEST(DatadogV04Decoder, EmptyPayloadsHaveNoSpans) {
  expect_decodes(decode_datadog_v04, std::string("\x90", 1), {}, 0, 0);
  expect_decodes(decode_datadog_v04, std::string("\xdd\x00\x00\x00\x00", 5), {}, 0, 0);
  expect_decodes(decode_datadog_v04, std::string("\x91\x90", 2), {}, 0, 0);
  expect_decodes(decode_datadog_v04, datadog_v04({}, {}, true), {}, 0, 0);
}

TEST(DatadogV04Decoder, AcceptsSignedIdsAndNilMeta) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(1);
  pk.pack_array(2);
  pk.pack_map(2);
  pk.pack("span_id");
  pk.pack_int64(-2);  // a tracer that writes ids as int64
  pk.pack("meta");
  pk.pack_nil();
  pk.pack_map(3);
  pk.pack("meta");
  pk.pack_map(1);
  pk.pack("k");
  pk.pack("v");
  pk.pack("nested");
  pk.pack_array(1);
  pk.pack_map(1);
  pk.pack("span_id");
  pk.pack("ignored");
  pk.pack("span_id");
  pk.pack_uint64(7);
  expect_decodes(decode_datadog_v04, pack(buffer), {0xfffffffffffffffeull, 7}, 1, 0);
}

TEST(DatadogV04Decoder, TruncationsFail) {
  const auto ids = random_ids(3);
  for (bool wide : {false, true}) {
    expect_truncations_fail(decode_datadog_v04, datadog_v04(ids, {2, 0}, wide, 2), ids);
  }
}

TEST(DatadogV04Decoder, RejectsWrongStructure) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(1);
  pk.pack_array(1);
  pk.pack_map(1);
  pk.pack("name");
  pk.pack("no id");
  std::string why = expect_fails(decode_datadog_v04, pack(buffer));
  EXPECT_NE(why.find("span without span_id"), std::string::npos) << why;

  buffer.clear();
  pk.pack_array(1);
  pk.pack_array(1);
  pk.pack_map(1);
  pk.pack("span_id");
  pk.pack("12");
  why = expect_fails(decode_datadog_v04, pack(buffer));
  EXPECT_NE(why.find("span_id is not an integer"), std::string::npos) << why;

  buffer.clear();
  pk.pack_array(1);
  pk.pack_array(1);
  pk.pack_array(0);
  why = expect_fails(decode_datadog_v04, pack(buffer));
  EXPECT_NE(why.find("span is an array"), std::string::npos) << why;

  buffer.clear();
  pk.pack_map(0);
  why = expect_fails(decode_datadog_v04, pack(buffer));
  EXPECT_NE(why.find("top level"), std::string::npos) << why;

  buffer.clear();
  pk.pack_array(1);
  pk.pack_array(1);
  pk.pack_map(2);
  pk.pack("span_id");
  pk.pack(1);
  pk.pack("meta");
  pk.pack("x");
  why = expect_fails(decode_datadog_v04, pack(buffer));
  EXPECT_NE(why.find("meta is not a map"), std::string::npos) << why;
}

TEST(DatadogV04Decoder, RejectsTrailingBytesAndOtherFormats) {
  std::string why = expect_fails(decode_datadog_v04, std::string("\x90\x90", 2));
  EXPECT_NE(why.find("trailing bytes"), std::string::npos) << why;
  why = expect_fails(decode_datadog_v04, R"([[{"span_id":1}]])");
  EXPECT_NE(why.find("looks like JSON"), std::string::npos) << why;
  why = expect_fails(decode_datadog_v04, std::string("\x91\xc1", 2));
  EXPECT_NE(why.find("invalid msgpack"), std::string::npos) << why;
  why = expect_fails(decode_datadog_v04, "");
  EXPECT_NE(why.find("empty body"), std::string::npos) << why;
  expect_fails(decode_datadog_v04, datadog_v05(random_ids(2)));
}

TEST(DatadogV04Decoder, SurvivesDeepNesting) {
  std::string body = "\x91\x91\x81\xa4meta";
  body += std::string(100000, '\x91');
  body += '\x90';
  expect_fails(decode_datadog_v04, body);  // meta is an array
  std::string ignored = "\x91\x91\x81\xa5other";
  ignored += std::string(100000, '\x91');
  ignored += '\x90';
  expect_fails(decode_datadog_v04, ignored);  // no span_id
}

TEST(DatadogV04Decoder, ReadsEndAsStartPlusDurationNanos) {
  const auto ids = random_ids(9);
  expect_end_times(decode_datadog_v04, datadog_v04(ids, timed_shape()), timed_shape(), 9);
  expect_end_times(decode_datadog_v04, datadog_v04(ids, timed_shape(), true, 3), timed_shape(), 9);
}

}  // namespace
}  // namespace spanbench::satellite::testing
