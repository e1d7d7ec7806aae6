#pragma once

// Helpers shared by the decoder files; not part of the decoder interface.

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "satellite/decoders/decoder.h"

namespace spanbench::satellite::detail {

// Runs one decoder body so that a failed report leaves `out` as it was (a
// rejected report must not count any of its spans) and no exception escapes.
template <typename Body>
DecodeStatus decode_atomically(DecodedReport& out, Body&& body) {
  const size_t spans_before = out.span_ids.size();
  const size_t ends_before = out.end_unix_nanos.size();
  const uint64_t tags_before = out.tag_count;
  const uint64_t logs_before = out.log_count;
  DecodeStatus status;
  try {
    status = std::forward<Body>(body)();
  } catch (const std::bad_alloc&) {
    status = DecodeStatus::failure("out of memory while decoding");
  } catch (const std::exception& e) {
    status = DecodeStatus::failure(std::string("malformed report: ") + e.what());
  } catch (...) {
    status = DecodeStatus::failure("malformed report");
  }
  if (!status.ok) {
    out.span_ids.resize(spans_before);
    out.end_unix_nanos.resize(ends_before);
    out.tag_count = tags_before;
    out.log_count = logs_before;
  }
  return status;
}

// True when the first non-blank byte opens a JSON object or array; used to
// tell a sender that posted JSON to a binary endpoint what went wrong.
inline bool looks_like_json(std::string_view body) {
  for (char c : body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

// Untrusted text quoted in a reason: at most `max_chars`, with anything not
// printable ASCII shown as '?', so the reason stays one clean line.
inline std::string printable(std::string_view text, size_t max_chars = 64) {
  std::string out(text.substr(0, max_chars));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

// Span ids travel as hex text in JSON protocols. Accepts 1..16 hex digits.
inline bool parse_hex_u64(std::string_view hex, uint64_t& value) {
  if (hex.empty() || hex.size() > 16) return false;
  uint64_t v = 0;
  for (char c : hex) {
    uint64_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return false;
    }
    v = (v << 4) | digit;
  }
  value = v;
  return true;
}

// FNV-1a: a stable 64-bit id for span ids that are not hex numbers.
inline uint64_t hash_u64(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// A span's end in Unix nanoseconds from a start and a duration in the wire
// format's units (`unit_nanos` per unit), or kNoEndTime when the sum does
// not fit (garbage from an untrusted sender must not overflow).
inline int64_t end_time_nanos(int64_t start, int64_t duration, int64_t unit_nanos) {
  int64_t end;
  if (__builtin_add_overflow(start, duration, &end) ||
      __builtin_mul_overflow(end, unit_nanos, &end) || end == DecodedReport::kNoEndTime) {
    return DecodedReport::kNoEndTime;
  }
  return end;
}

// Reads 8 bytes as a big-endian integer, so binary span ids map to the same
// number as their hex spelling.
inline uint64_t load_be64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace spanbench::satellite::detail
