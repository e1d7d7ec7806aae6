#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <memory>

#include "decoder_test_support.h"
#include "satellite/decoders/decoder.h"
#include "support/payloads.h"

namespace spanbench::satellite::testing {
namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TCompactProtocol;
using apache::thrift::transport::TMemoryBuffer;

TEST(JaegerBatchDecoder, DecodesBinaryBatch) {
  const auto ids = random_ids(32);
  expect_decodes(decode_jaeger_thrift_binary_batch, jaeger_batch_binary(ids), ids, 320, 480);
}

TEST(JaegerBatchDecoder, SpansWithoutTagsOrLogsCountZero) {
  const auto ids = random_ids(4);
  expect_decodes(decode_jaeger_thrift_binary_batch, jaeger_batch_binary(ids, {0, 0}), ids, 0, 0);
}

TEST(JaegerBatchDecoder, EmptyBatchHasNoSpans) {
  expect_decodes(decode_jaeger_thrift_binary_batch, jaeger_batch_binary({}), {}, 0, 0);
}

TEST(JaegerBatchDecoder, TruncationsFail) {
  const auto ids = random_ids(3);
  expect_truncations_fail(decode_jaeger_thrift_binary_batch, jaeger_batch_binary(ids, {2, 2}), ids);
}

TEST(JaegerBatchDecoder, RejectsOtherEncodings) {
  const auto ids = random_ids(3);
  // An agent datagram is a message, not a bare Batch.
  expect_fails(decode_jaeger_thrift_binary_batch, jaeger_emit_batch(ids));
  std::string why = expect_fails(decode_jaeger_thrift_binary_batch, zipkin_json(ids));
  EXPECT_NE(why.find("Jaeger thrift Batch"), std::string::npos) << why;
  why = expect_fails(decode_jaeger_thrift_binary_batch, jaeger_batch_binary(ids) + "x");
  EXPECT_NE(why.find("trailing bytes"), std::string::npos) << why;
  expect_fails(decode_jaeger_thrift_binary_batch, "");
}

TEST(JaegerBatchDecoder, RejectsSpanWithoutId) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TBinaryProtocol prot(buffer);
  prot.writeStructBegin("Batch");
  prot.writeFieldBegin("spans", apache::thrift::protocol::T_LIST, 2);
  prot.writeListBegin(apache::thrift::protocol::T_STRUCT, 1);
  prot.writeStructBegin("Span");
  prot.writeFieldBegin("operationName", apache::thrift::protocol::T_STRING, 5);
  prot.writeString(std::string("op"));
  prot.writeFieldEnd();
  prot.writeFieldStop();
  prot.writeStructEnd();
  prot.writeListEnd();
  prot.writeFieldEnd();
  prot.writeFieldStop();
  prot.writeStructEnd();
  const std::string why =
      expect_fails(decode_jaeger_thrift_binary_batch, buffer->getBufferAsString());
  EXPECT_NE(why.find("without spanId"), std::string::npos) << why;
}

TEST(JaegerBatchDecoder, HugeDeclaredStringDoesNotAllocate) {
  // Field 1 (process) struct -> field 1 string of 2^31-1 bytes, body of 12.
  const std::string body("\x0c\x00\x01\x0b\x00\x01\x7f\xff\xff\xff\x41\x42", 12);
  expect_fails(decode_jaeger_thrift_binary_batch, body);
}

class JaegerAgentDatagram : public ::testing::TestWithParam<ThriftProtocol> {};

TEST_P(JaegerAgentDatagram, DecodesEmitBatch) {
  const auto ids = random_ids(16);
  const std::string datagram = jaeger_emit_batch(ids, {}, GetParam());
  ASSERT_EQ(static_cast<unsigned char>(datagram[0]),
            GetParam() == ThriftProtocol::kCompact ? 0x82 : 0x80);
  expect_decodes(decode_jaeger_agent_datagram, datagram, ids, 160, 240);
}

TEST_P(JaegerAgentDatagram, EmptyBatchHasNoSpans) {
  expect_decodes(decode_jaeger_agent_datagram, jaeger_emit_batch({}, {}, GetParam()), {}, 0, 0);
}

TEST_P(JaegerAgentDatagram, TruncationsFail) {
  const auto ids = random_ids(3);
  expect_truncations_fail(decode_jaeger_agent_datagram, jaeger_emit_batch(ids, {2, 2}, GetParam()),
                          ids);
}

// An emitBatch-shaped message for `method` with empty arguments.
std::string empty_call(ThriftProtocol protocol, const std::string& method) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  std::unique_ptr<apache::thrift::protocol::TProtocol> prot;
  if (protocol == ThriftProtocol::kCompact) {
    prot = std::make_unique<TCompactProtocol>(buffer);
  } else {
    prot = std::make_unique<TBinaryProtocol>(buffer);
  }
  prot->writeMessageBegin(method, apache::thrift::protocol::T_ONEWAY, 0);
  prot->writeStructBegin("args");
  prot->writeFieldStop();
  prot->writeStructEnd();
  prot->writeMessageEnd();
  return buffer->getBufferAsString();
}

TEST_P(JaegerAgentDatagram, RejectsOtherMethods) {
  std::string why =
      expect_fails(decode_jaeger_agent_datagram, empty_call(GetParam(), "emitZipkinBatch"));
  EXPECT_NE(why.find("\"emitZipkinBatch\""), std::string::npos) << why;
  // Control bytes in the echoed name must not break the one-line reason.
  why = expect_fails(decode_jaeger_agent_datagram, empty_call(GetParam(), "emit\nBatch"));
  EXPECT_NE(why.find("\"emit?Batch\""), std::string::npos) << why;
}

TEST_P(JaegerAgentDatagram, RejectsEmitBatchWithoutBatch) {
  const std::string why =
      expect_fails(decode_jaeger_agent_datagram, empty_call(GetParam(), "emitBatch"));
  EXPECT_NE(why.find("without a batch"), std::string::npos) << why;
}

TEST_P(JaegerAgentDatagram, RejectsDeepNesting) {
  // emitBatch(batch) whose Batch holds field 1 nested structs 1000 deep.
  std::string datagram = empty_call(GetParam(), "emitBatch");
  datagram.resize(datagram.size() - 1);  // drop the args' stop byte
  const bool compact = GetParam() == ThriftProtocol::kCompact;
  const std::string open_struct = compact ? std::string("\x1c") : std::string("\x0c\x00\x01", 3);
  for (int i = 0; i < 1000; ++i) datagram += open_struct;
  datagram += std::string(1001, '\0');
  const std::string why = expect_fails(decode_jaeger_agent_datagram, datagram);
  EXPECT_NE(why.find("too deep"), std::string::npos) << why;
}

INSTANTIATE_TEST_SUITE_P(Protocols, JaegerAgentDatagram,
                         ::testing::Values(ThriftProtocol::kCompact, ThriftProtocol::kBinary));

TEST(JaegerAgentDatagramFormat, FirstByteSelectsProtocol) {
  const auto ids = random_ids(4);
  std::string compact = jaeger_emit_batch(ids, {}, ThriftProtocol::kCompact);
  std::string binary = jaeger_emit_batch(ids, {}, ThriftProtocol::kBinary);
  // Swapping the first byte makes each unreadable in the other protocol.
  compact[0] = '\x80';
  binary[0] = '\x82';
  expect_fails(decode_jaeger_agent_datagram, compact);
  expect_fails(decode_jaeger_agent_datagram, binary);
  std::string why = expect_fails(decode_jaeger_agent_datagram, jaeger_batch_binary(ids));
  EXPECT_NE(why.find("first byte 0x0c"), std::string::npos) << why;
  why = expect_fails(decode_jaeger_agent_datagram, "");
  EXPECT_NE(why.find("missing"), std::string::npos) << why;
}

TEST(JaegerBatchDecoder, ReadsEndAsStartTimePlusDurationMicros) {
  const auto ids = random_ids(5);
  expect_end_times(decode_jaeger_thrift_binary_batch, jaeger_batch_binary(ids, timed_shape()),
                   timed_shape(), 5);
}

TEST(JaegerAgentDecoder, ReadsEndTimesFromCompactAndBinaryDatagrams) {
  const auto ids = random_ids(5);
  expect_end_times(decode_jaeger_agent_datagram,
                   jaeger_emit_batch(ids, timed_shape(), ThriftProtocol::kCompact), timed_shape(),
                   5);
  expect_end_times(decode_jaeger_agent_datagram,
                   jaeger_emit_batch(ids, timed_shape(), ThriftProtocol::kBinary), timed_shape(),
                   5);
}

}  // namespace
}  // namespace spanbench::satellite::testing
