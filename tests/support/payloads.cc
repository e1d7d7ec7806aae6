#include "support/payloads.h"

#include <google/protobuf/util/json_util.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <zlib.h>

#include <cstdio>
#include <memory>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "satellite/proto/lightstep_collector.pb.h"
#include "satellite/proto/otlp_trace_service.pb.h"
#include "satellite/thrift/Agent.h"

namespace spanbench::testing {
namespace {

// Span `index`'s start in each format's units.
int64_t start_micros(SpanShape shape, size_t index) {
  return shape.start_micros + static_cast<int64_t>(index);
}
int64_t start_nanos(SpanShape shape, size_t index) { return start_micros(shape, index) * 1000; }
constexpr int64_t kDurationMicros = 5;

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string big_endian_bytes(uint64_t v) {
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i) {
    bytes[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return bytes;
}

std::string tag_key(int i) { return "tag.key" + std::to_string(i); }
std::string tag_value(int i) { return "tag.value" + std::to_string(i); }
std::string log_key(int i) { return "log.key" + std::to_string(i); }
std::string log_value(int i) { return "log.value" + std::to_string(i); }

// ---- OTLP protobuf ----------------------------------------------------------

void fill_otlp_span(opentelemetry::proto::trace::v1::Span& span, uint64_t id, size_t index,
                    SpanShape shape) {
  span.set_trace_id(big_endian_bytes(0x5b5b000000000000ull + index) + big_endian_bytes(id));
  span.set_span_id(big_endian_bytes(id));
  span.set_name("seed.span");
  span.set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_INTERNAL);
  const auto start_ns = static_cast<uint64_t>(start_nanos(shape, index));
  span.set_start_time_unix_nano(start_ns);
  span.set_end_time_unix_nano(start_ns + kDurationMicros * 1000);
  for (int t = 0; t < shape.tags; ++t) {
    auto* kv = span.add_attributes();
    kv->set_key(tag_key(t));
    kv->mutable_value()->set_string_value(tag_value(t));
  }
  for (int l = 0; l < shape.logs; ++l) {
    auto* event = span.add_events();
    event->set_time_unix_nano(start_ns + static_cast<uint64_t>(l));
    event->set_name("log");
    auto* kv = event->add_attributes();
    kv->set_key(log_key(l));
    kv->mutable_value()->set_string_value(log_value(l));
  }
}

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest otlp_message(
    Ids ids, SpanShape shape, OtlpLayout layout) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  auto* resource_spans = request.add_resource_spans();
  auto* service = resource_spans->mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value("spanbench");
  google::protobuf::RepeatedPtrField<opentelemetry::proto::trace::v1::Span>* spans;
  if (layout == OtlpLayout::kScopeSpans) {
    auto* scope_spans = resource_spans->add_scope_spans();
    scope_spans->mutable_scope()->set_name("spanbench.tests");
    spans = scope_spans->mutable_spans();
  } else {
    auto* library_spans = resource_spans->add_instrumentation_library_spans();
    library_spans->mutable_instrumentation_library()->set_name("spanbench.tests");
    spans = library_spans->mutable_spans();
  }
  for (size_t i = 0; i < ids.size(); ++i) fill_otlp_span(*spans->Add(), ids[i], i, shape);
  return request;
}

// ---- msgpack -------------------------------------------------------------

// msgpack-c's packer, or hand-written 32-bit headers where dd-trace uses
// them (msgpack-c always picks the shortest form).
class MsgpackWriter {
 public:
  explicit MsgpackWriter(bool wide) : packer_(buffer_), wide_(wide) {}

  void array(uint32_t n) { wide_ ? header(0xdd, n) : static_cast<void>(packer_.pack_array(n)); }
  void map(uint32_t n) { wide_ ? header(0xdf, n) : static_cast<void>(packer_.pack_map(n)); }
  void str(std::string_view s) {
    if (wide_) {
      header(0xdb, static_cast<uint32_t>(s.size()));
      buffer_.write(s.data(), s.size());
    } else {
      packer_.pack_str(static_cast<uint32_t>(s.size()));
      packer_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
    }
  }
  void u64(uint64_t v) { wide_ ? packer_.pack_fix_uint64(v) : packer_.pack_uint64(v); }
  void i64(int64_t v) { wide_ ? packer_.pack_fix_int64(v) : packer_.pack_int64(v); }
  void i32(int32_t v) { wide_ ? packer_.pack_fix_int32(v) : packer_.pack_int32(v); }
  void f64(double v) { packer_.pack_double(v); }

  std::string take() { return std::string(buffer_.data(), buffer_.size()); }

 private:
  void header(unsigned char type, uint32_t n) {
    const char bytes[5] = {static_cast<char>(type), static_cast<char>(n >> 24),
                           static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                           static_cast<char>(n)};
    buffer_.write(bytes, sizeof bytes);
  }

  msgpack::sbuffer buffer_;
  msgpack::packer<msgpack::sbuffer> packer_;
  bool wide_;
};

// Traces of `per_trace` spans (the last may be shorter).
std::vector<std::vector<size_t>> group_into_traces(size_t count, size_t per_trace) {
  std::vector<std::vector<size_t>> traces;
  for (size_t i = 0; i < count; ++i) {
    if (i % per_trace == 0) traces.emplace_back();
    traces.back().push_back(i);
  }
  return traces;
}

// ---- Jaeger thrift ---------------------------------------------------------

namespace jt = spanbench::jaeger_thrift;

jt::Tag string_tag(const std::string& key, const std::string& value) {
  jt::Tag tag;
  tag.key = key;
  tag.vType = jt::TagType::STRING;
  tag.__set_vStr(value);
  return tag;
}

jt::Batch jaeger_batch(Ids ids, SpanShape shape) {
  jt::Batch batch;
  batch.process.serviceName = "spanbench";
  batch.process.__set_tags({string_tag("hostname", "localhost")});
  for (size_t i = 0; i < ids.size(); ++i) {
    jt::Span span;
    span.traceIdLow = static_cast<int64_t>(ids[i]);
    span.traceIdHigh = 0x5b5b;
    span.spanId = static_cast<int64_t>(ids[i]);
    span.parentSpanId = 0;
    span.operationName = "seed.span";
    span.flags = 1;
    span.startTime = start_micros(shape, i);
    span.duration = kDurationMicros;
    if (shape.tags > 0) {
      std::vector<jt::Tag> tags;
      for (int t = 0; t < shape.tags; ++t) tags.push_back(string_tag(tag_key(t), tag_value(t)));
      span.__set_tags(tags);
    }
    if (shape.logs > 0) {
      std::vector<jt::Log> logs;
      for (int l = 0; l < shape.logs; ++l) {
        jt::Log log;
        log.timestamp = span.startTime + l;
        log.fields = {string_tag(log_key(l), log_value(l))};
        logs.push_back(log);
      }
      span.__set_logs(logs);
    }
    batch.spans.push_back(span);
  }
  return batch;
}

// gzip, or zlib when `zlib_header`, at the fastest level.
std::string deflate_wrapped(std::string_view data, bool zlib_header) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, zlib_header ? 15 : 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

}  // namespace

std::vector<uint64_t> id_range(uint64_t first, size_t count) {
  std::vector<uint64_t> ids(count);
  for (size_t i = 0; i < count; ++i) ids[i] = first + i;
  return ids;
}

std::vector<uint64_t> random_ids(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::unordered_set<uint64_t> seen;
  std::vector<uint64_t> ids;
  ids.reserve(count);
  while (ids.size() < count) {
    const uint64_t id = rng();
    if (id != 0 && seen.insert(id).second) ids.push_back(id);
  }
  return ids;
}

std::string lightstep_proto(Ids ids, SpanShape shape) {
  lightstep::collector::ReportRequest report;
  report.mutable_reporter()->set_reporter_id(0x1234);
  auto* platform = report.mutable_reporter()->add_tags();
  platform->set_key("lightstep.tracer_platform");
  platform->set_string_value("cpp");
  report.mutable_auth()->set_access_token("spanbench");
  for (size_t i = 0; i < ids.size(); ++i) {
    auto* span = report.add_spans();
    span->mutable_span_context()->set_trace_id(ids[i] ^ 0x5b5b);
    span->mutable_span_context()->set_span_id(ids[i]);
    span->set_operation_name("seed.span");
    span->mutable_start_timestamp()->set_seconds(start_nanos(shape, i) / 1'000'000'000);
    span->mutable_start_timestamp()->set_nanos(
        static_cast<int32_t>(start_nanos(shape, i) % 1'000'000'000));
    span->set_duration_micros(kDurationMicros);
    for (int t = 0; t < shape.tags; ++t) {
      auto* tag = span->add_tags();
      tag->set_key(tag_key(t));
      tag->set_string_value(tag_value(t));
    }
    for (int l = 0; l < shape.logs; ++l) {
      auto* log = span->add_logs();
      log->mutable_timestamp()->set_seconds(shape.start_micros / 1'000'000);
      auto* field = log->add_fields();
      field->set_key(log_key(l));
      field->set_string_value(log_value(l));
    }
  }
  report.mutable_internal_metrics()->set_duration_micros(1000);
  return report.SerializeAsString();
}

std::string lightstep_json(Ids ids, SpanShape shape) {
  using nlohmann::json;
  const std::string runtime_guid = hex16(0x1234);
  json records = json::array();
  for (size_t i = 0; i < ids.size(); ++i) {
    json attributes = json::array();
    for (int t = 0; t < shape.tags; ++t) {
      attributes.push_back({{"Key", tag_key(t)}, {"Value", tag_value(t)}});
    }
    json logs = json::array();
    for (int l = 0; l < shape.logs; ++l) {
      logs.push_back({{"timestamp_micros", start_micros(shape, i) + l},
                      {"fields", json::array({{{"Key", log_key(l)}, {"Value", log_value(l)}}})},
                      {"runtime_guid", nullptr},
                      {"span_guid", nullptr},
                      {"stable_name", nullptr},
                      {"message", nullptr},
                      {"level", nullptr},
                      {"thread_id", nullptr},
                      {"filename", nullptr},
                      {"line_number", nullptr},
                      {"stack_frames", nullptr},
                      {"payload_json", nullptr},
                      {"error_flag", nullptr}});
    }
    records.push_back({{"span_guid", hex16(ids[i])},
                       {"trace_guid", hex16(ids[i] ^ 0x5b5b)},
                       {"runtime_guid", runtime_guid},
                       {"span_name", "seed.span"},
                       {"join_ids", nullptr},
                       {"oldest_micros", start_micros(shape, i)},
                       {"youngest_micros", start_micros(shape, i) + kDurationMicros},
                       {"attributes", attributes},
                       {"error_flag", false},
                       {"log_records", logs}});
  }
  json report = {
      {"runtime",
       {{"guid", runtime_guid},
        {"start_micros", shape.start_micros},
        {"group_name", "spanbench"},
        {"attrs", json::array({{{"Key", "lightstep.tracer_platform"}, {"Value", "node"}}})}}},
      {"span_records", records},
      {"log_records", json::array()},
      {"timestamp_offset_micros", 0},
      {"oldest_micros", shape.start_micros},
      {"youngest_micros", start_micros(shape, ids.size()) + kDurationMicros},
      {"counters", json::array({{{"Name", "spans.dropped"}, {"int64_value", 0}}})},
      {"internal_logs", nullptr},
      {"internal_metrics", {{"counts", json::array()}, {"gauges", json::array()}}}};
  return report.dump();
}

std::string otlp_proto(Ids ids, SpanShape shape) {
  return otlp_proto(ids, shape, OtlpLayout::kScopeSpans);
}

std::string otlp_proto(Ids ids, SpanShape shape, OtlpLayout layout) {
  return otlp_message(ids, shape, layout).SerializeAsString();
}

std::string otlp_json(Ids ids, SpanShape shape) {
  return otlp_json(ids, shape, OtlpJsonFlavor::kSpec);
}

std::string otlp_json(Ids ids, SpanShape shape, OtlpJsonFlavor flavor) {
  using nlohmann::json;
  if (flavor == OtlpJsonFlavor::kProtobufMapping || flavor == OtlpJsonFlavor::kProtobufSnakeCase) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = flavor == OtlpJsonFlavor::kProtobufSnakeCase;
    std::string out;
    const auto status = google::protobuf::util::MessageToJsonString(
        otlp_message(ids, shape, OtlpLayout::kScopeSpans), &out, options);
    if (!status.ok()) throw std::runtime_error("MessageToJsonString failed");
    return out;
  }
  auto string_attribute = [](const std::string& key, const std::string& value) {
    return json{{"key", key}, {"value", {{"stringValue", value}}}};
  };
  json spans = json::array();
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto start_ns = static_cast<uint64_t>(start_nanos(shape, i));
    json attributes = json::array();
    for (int t = 0; t < shape.tags; ++t) {
      attributes.push_back(string_attribute(tag_key(t), tag_value(t)));
    }
    json events = json::array();
    for (int l = 0; l < shape.logs; ++l) {
      events.push_back({{"timeUnixNano", std::to_string(start_ns + static_cast<uint64_t>(l))},
                        {"name", "log"},
                        {"attributes", json::array({string_attribute(log_key(l), log_value(l))})},
                        {"droppedAttributesCount", 0}});
    }
    spans.push_back({{"traceId", hex16(0x5b5b000000000000ull + i) + hex16(ids[i])},
                     {"spanId", hex16(ids[i])},
                     {"name", "seed.span"},
                     {"kind", 1},
                     {"startTimeUnixNano", std::to_string(start_ns)},
                     {"endTimeUnixNano", std::to_string(start_ns + kDurationMicros * 1000)},
                     {"attributes", attributes},
                     {"droppedAttributesCount", 0},
                     {"events", events},
                     {"droppedEventsCount", 0},
                     {"status", {{"code", 0}}},
                     {"links", json::array()},
                     {"droppedLinksCount", 0}});
  }
  json resource = {{"attributes", json::array({string_attribute("service.name", "spanbench")})},
                   {"droppedAttributesCount", 0}};
  json resource_spans;
  if (flavor == OtlpJsonFlavor::kLegacyJs) {
    resource_spans = {{"resource", resource},
                      {"instrumentationLibrarySpans",
                       json::array({{{"instrumentationLibrary", {{"name", "spanbench.tests"}}},
                                     {"spans", spans}}})}};
  } else {
    resource_spans = {
        {"resource", resource},
        {"scopeSpans",
         json::array({{{"scope", {{"name", "spanbench.tests"}}}, {"spans", spans}}})}};
  }
  return json{{"resourceSpans", json::array({resource_spans})}}.dump();
}

std::string zipkin_json(Ids ids, SpanShape shape) {
  using nlohmann::json;
  json spans = json::array();
  for (size_t i = 0; i < ids.size(); ++i) {
    json tags = json::object();
    for (int t = 0; t < shape.tags; ++t) tags[tag_key(t)] = tag_value(t);
    json annotations = json::array();
    for (int l = 0; l < shape.logs; ++l) {
      annotations.push_back(
          {{"timestamp", start_micros(shape, i) + l}, {"value", log_key(l) + "=" + log_value(l)}});
    }
    spans.push_back({{"traceId", hex16(ids[i] ^ 0x5b5b)},
                     {"id", hex16(ids[i])},
                     {"name", "seed.span"},
                     {"kind", "CLIENT"},
                     {"timestamp", start_micros(shape, i)},
                     {"duration", kDurationMicros},
                     {"localEndpoint", {{"serviceName", "spanbench"}}},
                     {"tags", tags},
                     {"annotations", annotations}});
  }
  return spans.dump();
}

std::string datadog_v04(Ids ids, SpanShape shape) { return datadog_v04(ids, shape, false); }

std::string datadog_v04(Ids ids, SpanShape shape, bool wide_headers, size_t spans_per_trace) {
  MsgpackWriter w(wide_headers);
  const auto traces = group_into_traces(ids.size(), spans_per_trace);
  w.array(static_cast<uint32_t>(traces.size()));
  for (const auto& trace : traces) {
    w.array(static_cast<uint32_t>(trace.size()));
    for (size_t i : trace) {
      w.map(12);
      w.str("trace_id");
      w.u64(ids[trace.front()]);
      w.str("span_id");
      w.u64(ids[i]);
      w.str("parent_id");
      w.u64(i == trace.front() ? 0 : ids[trace.front()]);
      w.str("name");
      w.str("seed.span");
      w.str("resource");
      w.str("seed.resource");
      w.str("service");
      w.str("spanbench");
      w.str("type");
      w.str("custom");
      w.str("start");
      w.i64(start_nanos(shape, i));
      w.str("duration");
      w.i64(kDurationMicros * 1000);
      w.str("error");
      w.i32(0);
      w.str("meta");
      w.map(static_cast<uint32_t>(shape.tags));
      for (int t = 0; t < shape.tags; ++t) {
        w.str(tag_key(t));
        w.str(tag_value(t));
      }
      w.str("metrics");
      w.map(2);
      w.str("_sampling_priority_v1");
      w.f64(1);
      w.str("_dd.top_level");
      w.f64(1);
    }
  }
  return w.take();
}

std::string datadog_v05(Ids ids, SpanShape shape) { return datadog_v05(ids, shape, false); }

std::string datadog_v05(Ids ids, SpanShape shape, bool wide_headers, size_t spans_per_trace) {
  std::vector<std::string> table;
  std::unordered_map<std::string, uint32_t> index;
  auto intern = [&](const std::string& s) {
    auto [it, inserted] = index.emplace(s, static_cast<uint32_t>(table.size()));
    if (inserted) table.push_back(s);
    return it->second;
  };
  intern("");  // dd-trace reserves index 0 for the empty string
  const auto traces = group_into_traces(ids.size(), spans_per_trace);
  MsgpackWriter spans(wide_headers);
  spans.array(static_cast<uint32_t>(traces.size()));
  for (const auto& trace : traces) {
    spans.array(static_cast<uint32_t>(trace.size()));
    for (size_t i : trace) {
      spans.array(12);
      spans.u64(intern("spanbench"));
      spans.u64(intern("seed.span"));
      spans.u64(intern("seed.resource"));
      spans.u64(ids[trace.front()]);
      spans.u64(ids[i]);
      spans.u64(i == trace.front() ? 0 : ids[trace.front()]);
      spans.i64(start_nanos(shape, i));
      spans.i64(kDurationMicros * 1000);
      spans.i32(0);
      spans.map(static_cast<uint32_t>(shape.tags));
      for (int t = 0; t < shape.tags; ++t) {
        spans.u64(intern(tag_key(t)));
        spans.u64(intern(tag_value(t)));
      }
      spans.map(1);
      spans.u64(intern("_sampling_priority_v1"));
      spans.f64(1);
      spans.u64(intern("custom"));
    }
  }
  MsgpackWriter head(wide_headers);
  head.array(2);
  head.array(static_cast<uint32_t>(table.size()));
  for (const auto& s : table) head.str(s);
  return head.take() + spans.take();
}

std::string jaeger_batch_binary(Ids ids, SpanShape shape) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocol protocol(buffer);
  jaeger_batch(ids, shape).write(&protocol);
  return buffer->getBufferAsString();
}

std::string jaeger_emit_batch(Ids ids, SpanShape shape) {
  return jaeger_emit_batch(ids, shape, ThriftProtocol::kCompact);
}

std::string jaeger_emit_batch(Ids ids, SpanShape shape, ThriftProtocol protocol) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  std::shared_ptr<apache::thrift::protocol::TProtocol> prot;
  if (protocol == ThriftProtocol::kCompact) {
    prot = std::make_shared<apache::thrift::protocol::TCompactProtocol>(buffer);
  } else {
    prot = std::make_shared<apache::thrift::protocol::TBinaryProtocol>(buffer);
  }
  jt::AgentClient client(prot);
  client.emitBatch(jaeger_batch(ids, shape));
  return buffer->getBufferAsString();
}

std::string gzip(std::string_view data) { return deflate_wrapped(data, false); }

std::string zlib_compress(std::string_view data) { return deflate_wrapped(data, true); }

}  // namespace spanbench::testing
