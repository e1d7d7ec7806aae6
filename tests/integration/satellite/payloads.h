#pragma once

// Span reports in every wire protocol the satellites serve, built with the
// real encoders (generated protobuf and thrift classes, msgpack-c,
// nlohmann-json), for the satellite tests and the ingest benchmark.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench::testing {

// Seed-shaped spans carry 10 tags and 15 logs (docs/protocol.md).
struct SpanShape {
  int tags = 10;
  int logs = 15;
};

std::vector<uint64_t> id_range(uint64_t first, size_t count);

std::string otlp_proto(std::span<const uint64_t> ids, SpanShape shape = {});
std::string otlp_json(std::span<const uint64_t> ids, SpanShape shape = {});
std::string lightstep_proto(std::span<const uint64_t> ids, SpanShape shape = {});
std::string lightstep_json(std::span<const uint64_t> ids, SpanShape shape = {});
std::string zipkin_json(std::span<const uint64_t> ids, SpanShape shape = {});
std::string datadog_v04(std::span<const uint64_t> ids, SpanShape shape = {});
std::string datadog_v05(std::span<const uint64_t> ids, SpanShape shape = {});
std::string jaeger_batch_binary(std::span<const uint64_t> ids, SpanShape shape = {});
// Agent.emitBatch oneway message in compact thrift, as jaeger clients send over UDP.
std::string jaeger_agent_compact(std::span<const uint64_t> ids, SpanShape shape = {});

std::string gzip(std::string_view data);

}  // namespace spanbench::testing
