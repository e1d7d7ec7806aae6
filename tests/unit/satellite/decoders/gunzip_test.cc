#include <gtest/gtest.h>

#include <string>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

TEST(Gunzip, RoundTripsGzipAndZlib) {
  const std::string body = otlp_json(random_ids(100));
  for (bool zlib_header : {false, true}) {
    std::string out = "stale";
    const DecodeStatus status =
        gunzip(zlib_header ? zlib_compress(body) : gzip(body), out, body.size());
    ASSERT_TRUE(status.ok) << status.error;
    EXPECT_EQ(out, body);
  }
}

TEST(Gunzip, DecompressesEmptyContent) {
  std::string out = "stale";
  ASSERT_TRUE(gunzip(gzip(""), out, 0).ok);
  EXPECT_TRUE(out.empty());
}

TEST(Gunzip, JoinsConcatenatedMembers) {
  std::string out;
  const DecodeStatus status = gunzip(gzip("hello, ") + gzip("world"), out, 100);
  ASSERT_TRUE(status.ok) << status.error;
  EXPECT_EQ(out, "hello, world");
}

TEST(Gunzip, BoundsABomb) {
  const std::string zeros(64 << 20, '\0');
  const std::string bomb = gzip(zeros);
  ASSERT_LT(bomb.size(), 1u << 20);
  std::string out;
  DecodeStatus status = gunzip(bomb, out, 1 << 20);
  ASSERT_FALSE(status.ok);
  EXPECT_NE(status.error.find("exceeds 1048576 bytes"), std::string::npos) << status.error;
  EXPECT_LE(out.capacity(), (2u << 20) + 65536) << "buffered far past the limit";
  EXPECT_TRUE(out.empty());
  // One byte short fails, exactly the size succeeds.
  const std::string small(1000, 'x');
  status = gunzip(gzip(small), out, 999);
  EXPECT_FALSE(status.ok);
  status = gunzip(gzip(small), out, 1000);
  ASSERT_TRUE(status.ok) << status.error;
  EXPECT_EQ(out, small);
}

TEST(Gunzip, RejectsCorruptAndTruncatedData) {
  std::string out;
  const std::string body = zipkin_json(random_ids(20));
  const std::string gz = gzip(body);
  for (size_t cut = 0; cut < gz.size(); ++cut) {
    const DecodeStatus status = gunzip(gz.substr(0, cut), out, 1 << 20);
    EXPECT_FALSE(status.ok) << "cut " << cut;
    EXPECT_TRUE(out.empty()) << "cut " << cut;
  }
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x55);
  EXPECT_FALSE(gunzip(corrupt, out, 1 << 20).ok);
  DecodeStatus status = gunzip(body, out, 1 << 20);
  EXPECT_FALSE(status.ok);
  EXPECT_NE(status.error.find("invalid gzip data"), std::string::npos) << status.error;
  status = gunzip(gz + "junk", out, 1 << 20);
  EXPECT_FALSE(status.ok);
  EXPECT_NE(status.error.find("trailing bytes"), std::string::npos) << status.error;
}

}  // namespace
}  // namespace spanbench::satellite::testing
