#pragma once

// Bounds-checked readers for thrift's binary and compact protocols over a
// byte span, with skip() for anything the decoder does not need. Hand-walked
// rather than Apache Thrift's TProtocol classes: those convert untrusted type
// bytes straight into the TType enum (undefined behaviour that UBSan flags)
// and allocate for every skipped string.
//
// Readers return false on failure and keep the first reason in error().
// Every container element consumes at least one byte, so counts larger than
// the bytes left are rejected up front and all loops are bounded by the input.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace spanbench::satellite::thrift_walk {

// Protocol-independent value types.
enum class Type : uint8_t {
  kStop,
  kBool,
  kByte,
  kI16,
  kI32,
  kI64,
  kDouble,
  kString,
  kStruct,
  kMap,
  kSet,
  kList
};

enum class MessageType : uint8_t { kCall = 1, kReply = 2, kException = 3, kOneway = 4 };

constexpr int kMaxDepth = 64;

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const char* error() const { return error_; }
  bool fail(const char* why) {
    if (error_ == nullptr) error_ = why;
    return false;
  }

 protected:
  bool truncated() { return fail("truncated thrift"); }

  bool read_u8(uint8_t& v) {
    if (p_ == end_) return truncated();
    v = *p_++;
    return true;
  }
  bool read_be(uint64_t& v, size_t bytes) {
    if (remaining() < bytes) return truncated();
    v = 0;
    for (size_t i = 0; i < bytes; ++i) v = (v << 8) | p_[i];
    p_ += bytes;
    return true;
  }
  bool skip_bytes(uint64_t n) {
    if (remaining() < n) return truncated();
    p_ += n;
    return true;
  }
  bool read_bytes(uint64_t n, std::string_view& out) {
    if (remaining() < n) return truncated();
    out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
    p_ += n;
    return true;
  }
  // Unsigned LEB128 varint of at most `max_bytes` bytes.
  bool read_varint(uint64_t& v, int max_bytes) {
    v = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (p_ == end_) return truncated();
      const uint8_t byte = *p_++;
      v |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) return true;
    }
    return fail("thrift varint too long");
  }
  // A container of `count` elements needs at least `count` more bytes.
  bool check_count(uint64_t count) {
    if (count > remaining()) return fail("thrift container count exceeds the body");
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  const char* error_ = nullptr;
};

// TBinaryProtocol (big-endian, strict message headers).
class BinaryReader : public ByteReader {
 public:
  using ByteReader::ByteReader;

  bool read_message_begin(std::string_view& name, MessageType& type) {
    uint64_t header;
    uint64_t length;
    uint64_t seqid;
    if (!read_be(header, 4)) return false;
    if ((header & 0xffff0000u) != 0x80010000u) return fail("not a strict binary thrift message");
    if (!to_message_type(header & 0xff, type)) return false;
    if (!read_be(length, 4)) return false;
    if (length > 0x7fffffffu) return fail("negative thrift string length");
    return read_bytes(length, name) && read_be(seqid, 4);
  }
  bool begin_struct() { return true; }
  void end_struct() {}

  bool read_field_begin(Type& type, int16_t& id) {
    uint8_t byte;
    if (!read_u8(byte)) return false;
    if (byte == 0) {
      type = Type::kStop;
      return true;
    }
    uint64_t raw_id;
    if (!to_type(byte, type) || !read_be(raw_id, 2)) return false;
    id = static_cast<int16_t>(static_cast<uint16_t>(raw_id));
    return true;
  }
  bool read_list_begin(Type& element, uint64_t& count) {
    uint8_t byte;
    if (!read_u8(byte) || !to_type(byte, element) || !read_be(count, 4)) return false;
    if (count > 0x7fffffffu) return fail("negative thrift container size");
    return check_count(count);
  }
  bool read_map_begin(Type& key, Type& value, uint64_t& count) {
    uint8_t k;
    uint8_t v;
    if (!read_u8(k) || !read_u8(v) || !to_type(k, key) || !to_type(v, value)) return false;
    if (!read_be(count, 4)) return false;
    if (count > 0x7fffffffu) return fail("negative thrift container size");
    return check_count(count);
  }
  bool read_i64(int64_t& v) {
    uint64_t raw;
    if (!read_be(raw, 8)) return false;
    v = static_cast<int64_t>(raw);
    return true;
  }
  bool skip_value(Type type) {
    switch (type) {
      case Type::kBool:
      case Type::kByte:
        return skip_bytes(1);
      case Type::kI16:
        return skip_bytes(2);
      case Type::kI32:
        return skip_bytes(4);
      case Type::kI64:
      case Type::kDouble:
        return skip_bytes(8);
      case Type::kString: {
        uint64_t length;
        if (!read_be(length, 4)) return false;
        if (length > 0x7fffffffu) return fail("negative thrift string length");
        return skip_bytes(length);
      }
      default:
        return fail("invalid thrift type");
    }
  }

 private:
  // TType codes on the wire; kStop marks codes that are not value types.
  bool to_type(uint8_t byte, Type& type) {
    static constexpr Type kTypes[16] = {Type::kStop,   Type::kStop, Type::kBool, Type::kByte,
                                        Type::kDouble, Type::kStop, Type::kI16,  Type::kStop,
                                        Type::kI32,    Type::kStop, Type::kI64,  Type::kString,
                                        Type::kStruct, Type::kMap,  Type::kSet,  Type::kList};
    if (byte >= 16 || kTypes[byte] == Type::kStop) return fail("invalid thrift type");
    type = kTypes[byte];
    return true;
  }
  bool to_message_type(uint64_t raw, MessageType& type) {
    if (raw < 1 || raw > 4) return fail("invalid thrift message type");
    type = static_cast<MessageType>(raw);
    return true;
  }
};

// TCompactProtocol (zigzag varints, field id deltas, bools in field headers).
class CompactReader : public ByteReader {
 public:
  using ByteReader::ByteReader;

  bool read_message_begin(std::string_view& name, MessageType& type) {
    uint8_t protocol_id;
    uint8_t version_and_type;
    uint64_t seqid;
    uint64_t length;
    if (!read_u8(protocol_id) || !read_u8(version_and_type)) return false;
    if (protocol_id != 0x82) return fail("not a compact thrift message");
    if ((version_and_type & 0x1f) != 1) return fail("unsupported compact thrift version");
    const uint8_t raw_type = static_cast<uint8_t>(version_and_type >> 5);
    if (raw_type < 1 || raw_type > 4) return fail("invalid thrift message type");
    type = static_cast<MessageType>(raw_type);
    if (!read_varint(seqid, 5) || !read_varint(length, 5)) return false;
    return read_bytes(length, name);
  }
  // Field ids are deltas from the previous field of the same struct, so
  // each open struct keeps its own last id.
  bool begin_struct() {
    if (depth_ == kMaxDepth) return fail("thrift nesting too deep");
    last_field_id_[++depth_] = 0;
    return true;
  }
  void end_struct() {
    if (depth_ > 0) --depth_;
  }

  bool read_field_begin(Type& type, int16_t& id) {
    uint8_t byte;
    if (!read_u8(byte)) return false;
    if (byte == 0) {
      type = Type::kStop;
      return true;
    }
    const uint8_t compact_type = byte & 0x0f;
    if (compact_type == 1 || compact_type == 2) {
      type = Type::kBool;
      pending_field_bool_ = true;
    } else if (!to_type(compact_type, type)) {
      return false;
    }
    const uint8_t delta = byte >> 4;
    if (delta != 0) {
      id = static_cast<int16_t>(last_field_id_[depth_] + delta);
    } else {
      uint64_t raw;
      if (!read_varint(raw, 3)) return false;
      id = static_cast<int16_t>(unzigzag(raw));
    }
    last_field_id_[depth_] = id;
    return true;
  }
  bool read_list_begin(Type& element, uint64_t& count) {
    uint8_t byte;
    if (!read_u8(byte)) return false;
    const uint8_t compact_type = byte & 0x0f;
    if (compact_type == 1 || compact_type == 2) {
      element = Type::kBool;
    } else if (!to_type(compact_type, element)) {
      return false;
    }
    count = byte >> 4;
    if (count == 15 && !read_varint(count, 5)) return false;
    if (count > 0x7fffffffu) return fail("negative thrift container size");
    return check_count(count);
  }
  bool read_map_begin(Type& key, Type& value, uint64_t& count) {
    if (!read_varint(count, 5)) return false;
    if (count > 0x7fffffffu) return fail("negative thrift container size");
    if (count == 0) {
      key = value = Type::kByte;
      return true;
    }
    uint8_t types;
    if (!read_u8(types)) return false;
    if (!element_type(types >> 4, key) || !element_type(types & 0x0f, value)) return false;
    return check_count(count);
  }
  bool read_i64(int64_t& v) {
    uint64_t raw;
    if (!read_varint(raw, 10)) return false;
    v = unzigzag(raw);
    return true;
  }
  bool skip_value(Type type) {
    uint64_t ignored;
    switch (type) {
      case Type::kBool:
        // A bool field carries its value in the field header; a bool list
        // element is one byte.
        if (pending_field_bool_) {
          pending_field_bool_ = false;
          return true;
        }
        return skip_bytes(1);
      case Type::kByte:
        return skip_bytes(1);
      case Type::kI16:
        return read_varint(ignored, 3);
      case Type::kI32:
        return read_varint(ignored, 5);
      case Type::kI64:
        return read_varint(ignored, 10);
      case Type::kDouble:
        return skip_bytes(8);
      case Type::kString:
        return read_varint(ignored, 5) &&
               (ignored <= 0x7fffffffu || fail("negative thrift string length")) &&
               skip_bytes(ignored);
      default:
        return fail("invalid thrift type");
    }
  }

 private:
  static int64_t unzigzag(uint64_t v) {
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  bool element_type(uint8_t compact_type, Type& type) {
    if (compact_type == 1 || compact_type == 2) {
      type = Type::kBool;
      return true;
    }
    return to_type(compact_type, type);
  }
  // Compact type codes 3..12 (1 and 2, the bools, are handled by callers).
  bool to_type(uint8_t compact_type, Type& type) {
    static constexpr Type kTypes[16] = {Type::kStop,   Type::kStop, Type::kStop, Type::kByte,
                                        Type::kI16,    Type::kI32,  Type::kI64,  Type::kDouble,
                                        Type::kString, Type::kList, Type::kSet,  Type::kMap,
                                        Type::kStruct, Type::kStop, Type::kStop, Type::kStop};
    if (compact_type >= 16 || kTypes[compact_type] == Type::kStop) {
      return fail("invalid thrift type");
    }
    type = kTypes[compact_type];
    return true;
  }

  int16_t last_field_id_[kMaxDepth + 1] = {};
  int depth_ = 0;
  bool pending_field_bool_ = false;
};

// Skips one value of `type` found `depth` containers deep.
template <typename Reader>
bool skip(Reader& r, Type type, int depth) {
  if (depth > kMaxDepth) return r.fail("thrift nesting too deep");
  switch (type) {
    case Type::kStruct: {
      if (!r.begin_struct()) return false;
      for (;;) {
        Type field_type;
        int16_t id;
        if (!r.read_field_begin(field_type, id)) return false;
        if (field_type == Type::kStop) break;
        if (!skip(r, field_type, depth + 1)) return false;
      }
      r.end_struct();
      return true;
    }
    case Type::kList:
    case Type::kSet: {
      Type element;
      uint64_t count;
      if (!r.read_list_begin(element, count)) return false;
      for (uint64_t i = 0; i < count; ++i) {
        if (!skip(r, element, depth + 1)) return false;
      }
      return true;
    }
    case Type::kMap: {
      Type key;
      Type value;
      uint64_t count;
      if (!r.read_map_begin(key, value, count)) return false;
      for (uint64_t i = 0; i < count; ++i) {
        if (!skip(r, key, depth + 1) || !skip(r, value, depth + 1)) return false;
      }
      return true;
    }
    default:
      return r.skip_value(type);
  }
}

}  // namespace spanbench::satellite::thrift_walk
