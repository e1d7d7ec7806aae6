#pragma once

// Shared plumbing for the msgpack decoders: a msgpack-c visitor base that
// turns parser callbacks about bad bytes into a one-line reason, and a
// runner that rejects trailing bytes.

#include <cstddef>
#include <msgpack.hpp>
#include <string>
#include <string_view>

#include "satellite/decoders/decoder.h"

namespace spanbench::satellite::msgpack_walk {

// Base for zero-copy visitors: msgpack-c calls the most-derived visitor's
// functions statically, so derived classes hide the callbacks they need.
class VisitorBase : public msgpack::null_visitor {
 public:
  void parse_error(size_t /*parsed_offset*/, size_t error_offset) {
    if (error_.empty()) error_ = "invalid msgpack byte at offset " + std::to_string(error_offset);
  }
  void insufficient_bytes(size_t /*parsed_offset*/, size_t /*error_offset*/) {
    if (error_.empty()) error_ = "truncated msgpack";
  }
  const std::string& error() const { return error_; }

 protected:
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  // Depth inside containers whose content does not matter.
  uint32_t ignore_depth_ = 0;

 private:
  std::string error_;
};

// Runs `visitor` over the whole body; `protocol` prefixes error messages.
template <typename Visitor>
DecodeStatus run(std::string_view body, Visitor& visitor, std::string_view protocol) {
  std::string prefix(protocol);
  prefix += ": ";
  if (body.empty()) return DecodeStatus::failure(prefix + "empty body");
  size_t offset = 0;
  const bool ok = msgpack::parse(body.data(), body.size(), offset, visitor);
  if (!ok) {
    std::string why = prefix + (visitor.error().empty() ? "invalid msgpack" : visitor.error());
    const char first = body.front();
    if (first == '{' || first == '[') why += " (the body looks like JSON; expected msgpack)";
    return DecodeStatus::failure(std::move(why));
  }
  if (offset != body.size()) {
    return DecodeStatus::failure(prefix + "trailing bytes after the msgpack payload at offset " +
                                 std::to_string(offset));
  }
  return DecodeStatus::success();
}

}  // namespace spanbench::satellite::msgpack_walk
