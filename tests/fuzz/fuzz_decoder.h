#pragma once

// What every decoder fuzz target checks besides "no crash, no sanitizer
// report": a failure has a one-line reason and leaves the output untouched,
// and decoding is deterministic.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "satellite/decoders/decoder.h"

namespace spanbench::satellite::fuzz {

using DecodeFn = DecodeStatus (*)(std::string_view, DecodedReport&);

inline void check_decoder(DecodeFn decode, const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  DecodedReport first;
  first.span_ids = {7};
  first.end_unix_nanos = {DecodedReport::kNoEndTime};
  const DecodeStatus status = decode(body, first);
  if (!status.ok) {
    if (status.error.empty() || status.error.find('\n') != std::string::npos) __builtin_trap();
    if (first.span_ids.size() != 1 || first.tag_count != 0 || first.log_count != 0 ||
        first.end_unix_nanos.size() != 1) {
      __builtin_trap();
    }
  }
  if (first.end_unix_nanos.size() != first.span_ids.size() && first.end_unix_nanos.size() != 1) {
    __builtin_trap();
  }
  DecodedReport second;
  second.span_ids = {7};
  second.end_unix_nanos = {DecodedReport::kNoEndTime};
  const DecodeStatus again = decode(body, second);
  if (again.ok != status.ok || again.error != status.error || second.span_ids != first.span_ids ||
      second.tag_count != first.tag_count || second.log_count != first.log_count ||
      second.end_unix_nanos != first.end_unix_nanos) {
    __builtin_trap();
  }
}

}  // namespace spanbench::satellite::fuzz
