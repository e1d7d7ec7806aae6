// Jaeger thrift: a bare Batch in binary protocol (POST /api/traces), and
// agent UDP datagrams carrying the oneway message Agent.emitBatch(1: Batch)
// in compact (first byte 0x82) or strict binary (first byte 0x80) protocol.
//
// Batch{spans = 2: list<Span>} -> Span{spanId = 3: i64, startTime = 8: i64
// and duration = 9: i64 (microseconds), tags = 10: list<Tag>, logs = 11:
// list<Log>}. Everything else is skipped.

#include <cstdio>
#include <string>

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/thrift_walk.h"

namespace spanbench::satellite {
namespace {

using thrift_walk::BinaryReader;
using thrift_walk::CompactReader;
using thrift_walk::MessageType;
using thrift_walk::Type;

// Reads a list header and skips its elements, returning the count.
template <typename Reader>
bool count_list(Reader& r, int depth, uint64_t& count) {
  Type element;
  if (!r.read_list_begin(element, count)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    if (!thrift_walk::skip(r, element, depth + 1)) return false;
  }
  return true;
}

template <typename Reader>
bool read_span(Reader& r, int depth, DecodedReport& out) {
  if (!r.begin_struct()) return false;
  int64_t span_id = 0;
  bool has_span_id = false;
  int64_t start = 0;
  int64_t duration = 0;
  bool has_start = false;
  uint64_t tags = 0;
  uint64_t logs = 0;
  for (;;) {
    Type type;
    int16_t id;
    if (!r.read_field_begin(type, id)) return false;
    if (type == Type::kStop) break;
    bool ok;
    if (id == 3 && type == Type::kI64) {
      ok = r.read_i64(span_id);
      has_span_id = true;
    } else if (id == 8 && type == Type::kI64) {
      ok = r.read_i64(start);
      has_start = true;
    } else if (id == 9 && type == Type::kI64) {
      ok = r.read_i64(duration);
    } else if (id == 10 && type == Type::kList) {
      ok = count_list(r, depth, tags);
    } else if (id == 11 && type == Type::kList) {
      ok = count_list(r, depth, logs);
    } else {
      ok = thrift_walk::skip(r, type, depth + 1);
    }
    if (!ok) return false;
  }
  r.end_struct();
  if (!has_span_id) return r.fail("Jaeger span without spanId (field 3)");
  out.span_ids.push_back(static_cast<uint64_t>(span_id));
  out.end_unix_nanos.push_back(has_start ? detail::end_time_nanos(start, duration, 1000)
                                         : DecodedReport::kNoEndTime);
  out.tag_count += tags;
  out.log_count += logs;
  return true;
}

template <typename Reader>
bool read_batch(Reader& r, int depth, DecodedReport& out) {
  if (!r.begin_struct()) return false;
  for (;;) {
    Type type;
    int16_t id;
    if (!r.read_field_begin(type, id)) return false;
    if (type == Type::kStop) break;
    if (id == 2 && type == Type::kList) {
      Type element;
      uint64_t count;
      if (!r.read_list_begin(element, count)) return false;
      if (element != Type::kStruct) return r.fail("Jaeger Batch.spans is not a list of structs");
      for (uint64_t i = 0; i < count; ++i) {
        if (!read_span(r, depth + 2, out)) return false;
      }
    } else if (!thrift_walk::skip(r, type, depth + 1)) {
      return false;
    }
  }
  r.end_struct();
  return true;
}

// emitBatch message: header, then emitBatch_args{1: Batch batch}.
template <typename Reader>
bool read_emit_batch(Reader& r, DecodedReport& out, std::string& method) {
  std::string_view name;
  MessageType type;
  if (!r.read_message_begin(name, type)) return false;
  if (name != "emitBatch") {
    method = detail::printable(name);
    return r.fail("unsupported Jaeger agent method");
  }
  if (type != MessageType::kOneway && type != MessageType::kCall) {
    return r.fail("Jaeger emitBatch message is not a call");
  }
  if (!r.begin_struct()) return false;
  bool has_batch = false;
  for (;;) {
    Type field_type;
    int16_t id;
    if (!r.read_field_begin(field_type, id)) return false;
    if (field_type == Type::kStop) break;
    if (id == 1 && field_type == Type::kStruct) {
      if (!read_batch(r, 1, out)) return false;
      has_batch = true;
    } else if (!thrift_walk::skip(r, field_type, 1)) {
      return false;
    }
  }
  r.end_struct();
  if (!has_batch) return r.fail("Jaeger emitBatch without a batch argument");
  return true;
}

DecodeStatus finish(const thrift_walk::ByteReader& r, bool ok, std::string_view what,
                    const std::string& method = {}) {
  std::string prefix(what);
  prefix += ": ";
  if (!ok) {
    std::string why = prefix + (r.error() != nullptr ? r.error() : "invalid thrift");
    if (!method.empty()) why += " \"" + method + "\" (only emitBatch is accepted)";
    return DecodeStatus::failure(std::move(why));
  }
  if (r.remaining() != 0) {
    return DecodeStatus::failure(prefix + std::to_string(r.remaining()) +
                                 " trailing bytes after the thrift payload");
  }
  return DecodeStatus::success();
}

}  // namespace

DecodeStatus decode_jaeger_thrift_binary_batch(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] {
    constexpr std::string_view kWhat = "Jaeger thrift Batch";
    if (body.empty()) return DecodeStatus::failure(std::string(kWhat) + ": empty body");
    BinaryReader reader(body);
    const bool ok = read_batch(reader, 0, out);
    return finish(reader, ok, kWhat);
  });
}

DecodeStatus decode_jaeger_agent_datagram(std::string_view datagram, DecodedReport& out) {
  return detail::decode_atomically(out, [&] {
    const auto first = datagram.empty() ? 0 : static_cast<unsigned char>(datagram.front());
    std::string method;
    if (first == 0x82) {
      CompactReader reader(datagram);
      const bool ok = read_emit_batch(reader, out, method);
      return finish(reader, ok, "Jaeger agent datagram (compact)", method);
    }
    if (first == 0x80) {
      BinaryReader reader(datagram);
      const bool ok = read_emit_batch(reader, out, method);
      return finish(reader, ok, "Jaeger agent datagram (binary)", method);
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", first);
    return DecodeStatus::failure(std::string("not a Jaeger agent emitBatch datagram: first byte ") +
                                 (datagram.empty() ? "missing" : hex) +
                                 " (expected 0x82 compact or 0x80 binary thrift)");
  });
}

}  // namespace spanbench::satellite
