#include "payloads.h"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <zlib.h>

#include <functional>
#include <memory>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "satellite/proto/lightstep_collector.pb.h"
#include "satellite/proto/otlp_trace_service.pb.h"
#include "satellite/thrift/Agent.h"
#include "satellite/thrift/jaeger_types.h"

namespace spanbench::testing {
namespace {

constexpr uint64_t kTraceId = 0x0123456789abcdefULL;
constexpr uint64_t kStartNs = 1700000000000000000ULL;

std::string be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string hex16(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = digits[v & 0xf];
    v >>= 4;
  }
  return out;
}

std::string tag_key(int i) { return "tag.key" + std::to_string(i); }
std::string tag_value(int i) { return "tag.value" + std::to_string(i); }
std::string log_key(int i) { return "log.key" + std::to_string(i); }
std::string log_value(int i) { return "log.value" + std::to_string(i); }

template <typename Protocol>
std::string thrift_bytes(const std::function<void(Protocol&)>& write) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  Protocol protocol(buffer);
  write(protocol);
  return buffer->getBufferAsString();
}

jaeger_thrift::Batch jaeger_batch(std::span<const uint64_t> ids, SpanShape shape) {
  jaeger_thrift::Batch batch;
  batch.process.serviceName = "spanbench-test";
  for (size_t n = 0; n < ids.size(); ++n) {
    jaeger_thrift::Span span;
    span.traceIdLow = static_cast<int64_t>(kTraceId);
    span.traceIdHigh = 0;
    span.spanId = static_cast<int64_t>(ids[n]);
    span.parentSpanId = 0;
    span.operationName = "TestSpan";
    span.flags = 1;
    span.startTime = static_cast<int64_t>(kStartNs / 1000 + n);
    span.duration = 100;
    std::vector<jaeger_thrift::Tag> tags;
    for (int i = 0; i < shape.tags; ++i) {
      jaeger_thrift::Tag tag;
      tag.key = tag_key(i);
      tag.vType = jaeger_thrift::TagType::STRING;
      tag.__set_vStr(tag_value(i));
      tags.push_back(tag);
    }
    span.__set_tags(tags);
    std::vector<jaeger_thrift::Log> logs;
    for (int i = 0; i < shape.logs; ++i) {
      jaeger_thrift::Log log;
      log.timestamp = span.startTime + i;
      jaeger_thrift::Tag field;
      field.key = log_key(i);
      field.vType = jaeger_thrift::TagType::STRING;
      field.__set_vStr(log_value(i));
      log.fields.push_back(field);
      logs.push_back(log);
    }
    span.__set_logs(logs);
    batch.spans.push_back(span);
  }
  return batch;
}

}  // namespace

std::vector<uint64_t> id_range(uint64_t first, size_t count) {
  std::vector<uint64_t> ids(count);
  for (size_t i = 0; i < count; ++i) ids[i] = first + i;
  return ids;
}

std::string otlp_proto(std::span<const uint64_t> ids, SpanShape shape) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("spanbench-test");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("spanbench");
  for (size_t n = 0; n < ids.size(); ++n) {
    auto* span = ss->add_spans();
    span->set_trace_id(be64(0) + be64(kTraceId));
    span->set_span_id(be64(ids[n]));
    span->set_name("TestSpan");
    span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_INTERNAL);
    span->set_start_time_unix_nano(kStartNs + n);
    span->set_end_time_unix_nano(kStartNs + n + 1000);
    for (int i = 0; i < shape.tags; ++i) {
      auto* kv = span->add_attributes();
      kv->set_key(tag_key(i));
      kv->mutable_value()->set_string_value(tag_value(i));
    }
    for (int i = 0; i < shape.logs; ++i) {
      auto* event = span->add_events();
      event->set_time_unix_nano(kStartNs + n + static_cast<uint64_t>(i));
      event->set_name("log");
      auto* kv = event->add_attributes();
      kv->set_key(log_key(i));
      kv->mutable_value()->set_string_value(log_value(i));
    }
  }
  return request.SerializeAsString();
}

std::string otlp_json(std::span<const uint64_t> ids, SpanShape shape) {
  nlohmann::json spans = nlohmann::json::array();
  for (size_t n = 0; n < ids.size(); ++n) {
    nlohmann::json attributes = nlohmann::json::array();
    for (int i = 0; i < shape.tags; ++i) {
      attributes.push_back({{"key", tag_key(i)}, {"value", {{"stringValue", tag_value(i)}}}});
    }
    nlohmann::json events = nlohmann::json::array();
    for (int i = 0; i < shape.logs; ++i) {
      events.push_back(
          {{"timeUnixNano", std::to_string(kStartNs + n + static_cast<uint64_t>(i))},
           {"name", "log"},
           {"attributes", {{{"key", log_key(i)}, {"value", {{"stringValue", log_value(i)}}}}}}});
    }
    spans.push_back({{"traceId", hex16(0) + hex16(kTraceId)},
                     {"spanId", hex16(ids[n])},
                     {"name", "TestSpan"},
                     {"kind", 1},
                     {"startTimeUnixNano", std::to_string(kStartNs + n)},
                     {"endTimeUnixNano", std::to_string(kStartNs + n + 1000)},
                     {"attributes", attributes},
                     {"events", events}});
  }
  nlohmann::json request = {
      {"resourceSpans",
       {{{"resource",
          {{"attributes",
            {{{"key", "service.name"}, {"value", {{"stringValue", "spanbench-test"}}}}}}}},
         {"scopeSpans", {{{"scope", {{"name", "spanbench"}}}, {"spans", spans}}}}}}}};
  return request.dump();
}

std::string lightstep_proto(std::span<const uint64_t> ids, SpanShape shape) {
  lightstep::collector::ReportRequest request;
  request.mutable_reporter()->set_reporter_id(42);
  auto* tag = request.mutable_reporter()->add_tags();
  tag->set_key("lightstep.component_name");
  tag->set_string_value("spanbench-test");
  request.mutable_auth()->set_access_token("token");
  for (size_t n = 0; n < ids.size(); ++n) {
    auto* span = request.add_spans();
    span->mutable_span_context()->set_trace_id(kTraceId);
    span->mutable_span_context()->set_span_id(ids[n]);
    span->set_operation_name("TestSpan");
    span->mutable_start_timestamp()->set_seconds(1700000000);
    span->set_duration_micros(100);
    for (int i = 0; i < shape.tags; ++i) {
      auto* kv = span->add_tags();
      kv->set_key(tag_key(i));
      kv->set_string_value(tag_value(i));
    }
    for (int i = 0; i < shape.logs; ++i) {
      auto* log = span->add_logs();
      log->mutable_timestamp()->set_seconds(1700000000);
      log->mutable_timestamp()->set_nanos(i);
      auto* kv = log->add_fields();
      kv->set_key(log_key(i));
      kv->set_string_value(log_value(i));
    }
  }
  return request.SerializeAsString();
}

std::string lightstep_json(std::span<const uint64_t> ids, SpanShape shape) {
  nlohmann::json records = nlohmann::json::array();
  for (size_t n = 0; n < ids.size(); ++n) {
    nlohmann::json attributes = nlohmann::json::array();
    for (int i = 0; i < shape.tags; ++i) {
      attributes.push_back({{"Key", tag_key(i)}, {"Value", tag_value(i)}});
    }
    nlohmann::json logs = nlohmann::json::array();
    for (int i = 0; i < shape.logs; ++i) {
      logs.push_back({{"timestamp_micros", 1700000000000000 + i},
                      {"fields", {{{"Key", log_key(i)}, {"Value", log_value(i)}}}}});
    }
    records.push_back({{"span_guid", hex16(ids[n])},
                       {"trace_guid", hex16(kTraceId)},
                       {"span_name", "TestSpan"},
                       {"oldest_micros", 1700000000000000},
                       {"youngest_micros", 1700000000000100},
                       {"attributes", attributes},
                       {"log_records", logs},
                       {"error_flag", nullptr}});
  }
  nlohmann::json report = {
      {"runtime", {{"guid", hex16(42)}, {"start_micros", 1700000000000000}, {"group_name", "t"}}},
      {"span_records", records},
      {"internal_metrics", nullptr}};
  return report.dump();
}

std::string zipkin_json(std::span<const uint64_t> ids, SpanShape shape) {
  nlohmann::json spans = nlohmann::json::array();
  for (size_t n = 0; n < ids.size(); ++n) {
    nlohmann::json tags = nlohmann::json::object();
    for (int i = 0; i < shape.tags; ++i) tags[tag_key(i)] = tag_value(i);
    nlohmann::json annotations = nlohmann::json::array();
    for (int i = 0; i < shape.logs; ++i) {
      annotations.push_back(
          {{"timestamp", 1700000000000000 + i}, {"value", log_key(i) + "=" + log_value(i)}});
    }
    spans.push_back({{"traceId", hex16(kTraceId)},
                     {"id", hex16(ids[n])},
                     {"name", "TestSpan"},
                     {"timestamp", 1700000000000000},
                     {"duration", 100},
                     {"localEndpoint", {{"serviceName", "spanbench-test"}}},
                     {"tags", tags},
                     {"annotations", annotations}});
  }
  return spans.dump();
}

std::string datadog_v04(std::span<const uint64_t> ids, SpanShape shape) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(1);  // one trace
  pk.pack_array(static_cast<uint32_t>(ids.size()));
  for (size_t n = 0; n < ids.size(); ++n) {
    pk.pack_map(12);
    pk.pack(std::string("trace_id"));
    pk.pack(kTraceId);
    pk.pack(std::string("span_id"));
    pk.pack(ids[n]);
    pk.pack(std::string("parent_id"));
    pk.pack(uint64_t{0});
    pk.pack(std::string("name"));
    pk.pack(std::string("TestSpan"));
    pk.pack(std::string("service"));
    pk.pack(std::string("spanbench-test"));
    pk.pack(std::string("resource"));
    pk.pack(std::string("TestSpan"));
    pk.pack(std::string("type"));
    pk.pack(std::string("custom"));
    pk.pack(std::string("start"));
    pk.pack(static_cast<int64_t>(kStartNs + n));
    pk.pack(std::string("duration"));
    pk.pack(int64_t{1000});
    pk.pack(std::string("error"));
    pk.pack(int32_t{0});
    pk.pack(std::string("meta"));
    pk.pack_map(static_cast<uint32_t>(shape.tags + shape.logs));
    for (int i = 0; i < shape.tags; ++i) {
      pk.pack(tag_key(i));
      pk.pack(tag_value(i));
    }
    for (int i = 0; i < shape.logs; ++i) {
      pk.pack(log_key(i));
      pk.pack(log_value(i));
    }
    pk.pack(std::string("metrics"));
    pk.pack_map(1);
    pk.pack(std::string("_sampling_priority_v1"));
    pk.pack(1.0);
  }
  return std::string(buffer.data(), buffer.size());
}

std::string datadog_v05(std::span<const uint64_t> ids, SpanShape shape) {
  // String table: 0 "", 1 service, 2 name, 3 resource, 4 type, then keys/values.
  std::vector<std::string> strings = {"", "spanbench-test", "TestSpan", "TestSpan", "custom"};
  auto intern = [&](const std::string& s) {
    for (size_t i = 0; i < strings.size(); ++i) {
      if (strings[i] == s) return static_cast<uint32_t>(i);
    }
    strings.push_back(s);
    return static_cast<uint32_t>(strings.size() - 1);
  };
  std::vector<std::pair<uint32_t, uint32_t>> meta;
  for (int i = 0; i < shape.tags; ++i) meta.emplace_back(intern(tag_key(i)), intern(tag_value(i)));
  for (int i = 0; i < shape.logs; ++i) meta.emplace_back(intern(log_key(i)), intern(log_value(i)));

  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(2);
  pk.pack_array(static_cast<uint32_t>(strings.size()));
  for (const auto& s : strings) pk.pack(s);
  pk.pack_array(1);  // one trace
  pk.pack_array(static_cast<uint32_t>(ids.size()));
  for (size_t n = 0; n < ids.size(); ++n) {
    pk.pack_array(12);
    pk.pack(uint32_t{1});  // service
    pk.pack(uint32_t{2});  // name
    pk.pack(uint32_t{3});  // resource
    pk.pack(kTraceId);
    pk.pack(ids[n]);
    pk.pack(uint64_t{0});
    pk.pack(static_cast<int64_t>(kStartNs + n));
    pk.pack(int64_t{1000});
    pk.pack(int32_t{0});
    pk.pack_map(static_cast<uint32_t>(meta.size()));
    for (const auto& [k, v] : meta) {
      pk.pack(k);
      pk.pack(v);
    }
    pk.pack_map(0);
    pk.pack(uint32_t{4});  // type
  }
  return std::string(buffer.data(), buffer.size());
}

std::string jaeger_batch_binary(std::span<const uint64_t> ids, SpanShape shape) {
  const jaeger_thrift::Batch batch = jaeger_batch(ids, shape);
  return thrift_bytes<apache::thrift::protocol::TBinaryProtocol>(
      [&](apache::thrift::protocol::TBinaryProtocol& p) { batch.write(&p); });
}

std::string jaeger_agent_compact(std::span<const uint64_t> ids, SpanShape shape) {
  const jaeger_thrift::Batch batch = jaeger_batch(ids, shape);
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  auto protocol = std::make_shared<apache::thrift::protocol::TCompactProtocol>(buffer);
  jaeger_thrift::AgentClient client(protocol);
  client.send_emitBatch(batch);
  return buffer->getBufferAsString();
}

std::string gzip(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(zs.total_out);
  return out;
}

}  // namespace spanbench::testing
