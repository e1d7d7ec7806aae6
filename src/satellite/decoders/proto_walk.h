#pragma once

// Small helpers for walking protobuf wire format with CodedInputStream
// without building message objects: the decoders descend only into the
// fields they count and skip the rest.

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "satellite/decoders/decoder_support.h"

namespace spanbench::satellite::proto_walk {

using google::protobuf::io::CodedInputStream;

enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

inline uint32_t field_number(uint32_t tag) { return tag >> 3; }
inline uint32_t wire_type(uint32_t tag) { return tag & 7u; }

// Reads a length prefix and makes it the current limit. Fails when the
// length runs past the enclosing message.
inline bool enter_message(CodedInputStream& in, CodedInputStream::Limit& limit) {
  uint64_t length;
  if (!in.ReadVarint64(&length)) return false;
  if (length > static_cast<uint64_t>(in.BytesUntilLimit())) return false;
  limit = in.PushLimit(static_cast<int>(length));
  return true;
}

// A message ends cleanly only at its limit; a tag of 0 read from the bytes
// themselves is malformed.
inline bool leave_message(CodedInputStream& in, CodedInputStream::Limit limit) {
  if (!in.ConsumedEntireMessage()) return false;
  in.PopLimit(limit);
  return true;
}

// Skips a length-delimited payload whose tag was just read.
inline bool skip_length_delimited(CodedInputStream& in) {
  uint64_t length;
  if (!in.ReadVarint64(&length)) return false;
  if (length > static_cast<uint64_t>(in.BytesUntilLimit())) return false;
  return in.Skip(static_cast<int>(length));
}

// Skips any field (groups included, depth-limited by the stream).
inline bool skip_field(CodedInputStream& in, uint32_t tag) {
  return google::protobuf::internal::WireFormatLite::SkipField(&in, tag);
}

// One-line reason for a malformed body, with a hint when it is JSON.
inline std::string malformed(std::string_view what, std::string_view body,
                             const CodedInputStream& in) {
  std::string why = "not a valid ";
  why += what;
  why += " protobuf: malformed field near byte ";
  why += std::to_string(in.CurrentPosition());
  if (detail::looks_like_json(body)) why += " (the body looks like JSON; use the JSON endpoint)";
  return why;
}

}  // namespace spanbench::satellite::proto_walk
