#pragma once

// Shared plumbing for the msgpack decoders: a msgpack-c visitor base that
// turns parser callbacks about bad bytes into a one-line reason and skips
// values whose content does not matter, a base that hands every scalar to
// one function, and a runner that rejects trailing bytes.

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

  // Containers inside a skipped value only change the depth: true when the
  // container starts (ends) inside one and has been accounted for.
  bool skipped_start() {
    if (ignore_depth_ == 0) return false;
    ++ignore_depth_;
    return true;
  }
  bool skipped_end() {
    if (ignore_depth_ == 0) return false;
    --ignore_depth_;
    return true;
  }
  // Skips the container that starts here, whatever it holds.
  bool skip() {
    ++ignore_depth_;
    return true;
  }

  // Depth inside containers whose content does not matter.
  uint32_t ignore_depth_ = 0;

 private:
  std::string error_;
};

// What a scalar is, for visitors that only tell nil and strings apart.
enum class Scalar { kNil, kString, kOther };

// Hands every scalar msgpack-c reports to the derived visitor's
// `scalar(Scalar)`, integers to its `integer(uint64_t)` (negative ones as
// their two's complement bits), so a visitor only says what a value means
// where it stands. A derived visitor may still hide any callback (e.g.
// visit_str, to read map keys).
template <typename Derived>
class ScalarVisitor : public VisitorBase {
 public:
  bool visit_nil() { return self().scalar(Scalar::kNil); }
  bool visit_boolean(bool /*v*/) { return self().scalar(Scalar::kOther); }
  bool visit_positive_integer(uint64_t v) { return self().integer(v); }
  bool visit_negative_integer(int64_t v) { return self().integer(static_cast<uint64_t>(v)); }
  bool visit_float32(float /*v*/) { return self().scalar(Scalar::kOther); }
  bool visit_float64(double /*v*/) { return self().scalar(Scalar::kOther); }
  bool visit_bin(const char* /*v*/, uint32_t /*size*/) { return self().scalar(Scalar::kOther); }
  bool visit_ext(const char* /*v*/, uint32_t /*size*/) { return self().scalar(Scalar::kOther); }
  bool visit_str(const char* /*v*/, uint32_t /*size*/) { return self().scalar(Scalar::kString); }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
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
