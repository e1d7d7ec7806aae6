#include <gtest/gtest.h>

#include <msgpack.hpp>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

std::string pack(const msgpack::sbuffer& buffer) { return {buffer.data(), buffer.size()}; }

// [[strings...], [[span]]] with the span given as 12 packed fields.
template <typename PackSpan>
std::string one_span_payload(uint32_t fields, PackSpan pack_span) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(2);
  pk.pack_array(1);
  pk.pack("");
  pk.pack_array(1);
  pk.pack_array(1);
  pk.pack_array(fields);
  pack_span(pk);
  return pack(buffer);
}

TEST(DatadogV05Decoder, DecodesMinimalHeaders) {
  const auto ids = random_ids(33);
  expect_decodes(decode_datadog_v05, datadog_v05(ids), ids, 330, 0);
}

TEST(DatadogV05Decoder, DecodesWideHeaders) {
  const auto ids = random_ids(33);
  const std::string body = datadog_v05(ids, {}, /*wide_headers=*/true);
  ASSERT_EQ(static_cast<unsigned char>(body[0]), 0xdd);
  expect_decodes(decode_datadog_v05, body, ids, 330, 0);
}

TEST(DatadogV05Decoder, EmptyPayloadsHaveNoSpans) {
  expect_decodes(decode_datadog_v05, std::string("\x92\x90\x90", 3), {}, 0, 0);
  expect_decodes(decode_datadog_v05, datadog_v05({}, {}, true), {}, 0, 0);
}

TEST(DatadogV05Decoder, ReadsSpanIdFromElementFour) {
  const std::string body = one_span_payload(12, [](auto& pk) {
    for (int i = 0; i < 3; ++i) pk.pack_uint32(0);
    pk.pack_uint64(111);  // trace_id
    pk.pack_uint64(222);  // span_id
    pk.pack_uint64(333);  // parent_id
    pk.pack_int64(1);
    pk.pack_int64(2);
    pk.pack_int32(0);
    pk.pack_map(2);  // meta
    for (int i = 0; i < 4; ++i) pk.pack_uint32(0);
    pk.pack_map(1);  // metrics
    pk.pack_uint32(0);
    pk.pack_double(1.5);
    pk.pack_uint32(0);
  });
  expect_decodes(decode_datadog_v05, body, {222}, 2, 0);
}

TEST(DatadogV05Decoder, TruncationsFail) {
  const auto ids = random_ids(3);
  for (bool wide : {false, true}) {
    expect_truncations_fail(decode_datadog_v05, datadog_v05(ids, {2, 0}, wide, 2), ids);
  }
}

TEST(DatadogV05Decoder, RejectsWrongStructure) {
  std::string why = expect_fails(decode_datadog_v05, one_span_payload(11, [](auto& pk) {
                                   for (int i = 0; i < 11; ++i) pk.pack_uint32(0);
                                 }));
  EXPECT_NE(why.find("span has 11 fields, expected 12"), std::string::npos) << why;

  why = expect_fails(decode_datadog_v05, one_span_payload(12, [](auto& pk) {
                       for (int i = 0; i < 4; ++i) pk.pack_uint32(0);
                       pk.pack("not an id");
                       for (int i = 0; i < 7; ++i) pk.pack_uint32(0);
                     }));
  EXPECT_NE(why.find("span_id is not an integer"), std::string::npos) << why;

  why = expect_fails(decode_datadog_v05, one_span_payload(12, [](auto& pk) {
                       for (int i = 0; i < 9; ++i) pk.pack_uint32(0);
                       pk.pack_array(0);  // meta
                       pk.pack_map(0);
                       pk.pack_uint32(0);
                     }));
  EXPECT_NE(why.find("meta is not a map"), std::string::npos) << why;

  // v0.4 traces are not a [strings, traces] pair.
  why = expect_fails(decode_datadog_v05, datadog_v04(random_ids(8)));
  EXPECT_NE(why.find("Datadog v0.5"), std::string::npos) << why;

  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(2);
  pk.pack_array(1);
  pk.pack_uint32(5);
  pk.pack_array(0);
  why = expect_fails(decode_datadog_v05, pack(buffer));
  EXPECT_NE(why.find("string table entry is not a string"), std::string::npos) << why;

  expect_fails(decode_datadog_v05, R"([["a"],[]])");
  expect_fails(decode_datadog_v05, std::string("\x92\x90\x90\x90", 4));
}

TEST(DatadogV05Decoder, ReadsEndAsStartPlusDurationNanos) {
  const auto ids = random_ids(9);
  expect_end_times(decode_datadog_v05, datadog_v05(ids, timed_shape()), timed_shape(), 9);
  expect_end_times(decode_datadog_v05, datadog_v05(ids, timed_shape(), true, 3), timed_shape(), 9);
}

TEST(DatadogV05Decoder, NonIntegerStartMeansNoEndTime) {
  const std::string body = one_span_payload(12, [](auto& pk) {
    for (int i = 0; i < 3; ++i) pk.pack_uint32(0);
    pk.pack_uint64(111);  // trace_id
    pk.pack_uint64(222);  // span_id
    pk.pack_uint64(0);    // parent_id
    pk.pack_double(1.5);  // start, not an integer
    pk.pack_int64(7);     // duration
    pk.pack_int32(0);
    pk.pack_nil();  // meta
    pk.pack_nil();  // metrics
    pk.pack_uint32(0);
  });
  EXPECT_EQ(end_times(decode_datadog_v05, body), (std::vector<int64_t>{DecodedReport::kNoEndTime}));
}

}  // namespace
}  // namespace spanbench::satellite::testing
