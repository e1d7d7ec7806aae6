// OTLP/JSON ExportTraceServiceRequest (POST /v1/traces with
// Content-Type: application/json).
//
// Keys are lowerCamelCase per the OTLP/JSON spec; the snake_case protobuf
// names and the deprecated instrumentationLibrarySpans that older
// OpenTelemetry JS exporters send are accepted too. spanId is 16 hex digits
// (OTLP/JSON); base64 (protobuf's generic JSON mapping) is accepted as well.
// endTimeUnixNano is a decimal string (OTLP/JSON's 64-bit integers) or a
// number.

#include <initializer_list>

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/json_support.h"

namespace spanbench::satellite {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// 8 bytes in base64: 11 digits, optionally followed by one '='.
bool parse_base64_u64(std::string_view text, uint64_t& value) {
  if (text.size() == 12 && text[11] == '=') text.remove_suffix(1);
  if (text.size() != 11) return false;
  unsigned char bytes[9] = {};
  uint32_t bits = 0;
  int nbits = 0;
  size_t n = 0;
  for (char c : text) {
    const int digit = base64_digit(c);
    if (digit < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(digit);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      bytes[n++] = static_cast<unsigned char>(bits >> nbits);
      bits &= (1u << nbits) - 1;
    }
  }
  // 66 bits carried 64: the two left over must be zero in canonical base64.
  if (n != 8 || bits != 0) return false;
  value = detail::load_be64(bytes);
  return true;
}

bool parse_span_id(std::string_view text, uint64_t& value) {
  if (text.size() == 16) return detail::parse_hex_u64(text, value);
  return parse_base64_u64(text, value);
}

std::string where(size_t r, size_t s, size_t i) {
  return "resourceSpans[" + std::to_string(r) + "].scopeSpans[" + std::to_string(s) + "].spans[" +
         std::to_string(i) + "]";
}

DecodeStatus decode_span(element span_value, DecodedReport& out, size_t r, size_t s, size_t i) {
  object span;
  if (span_value.get(span) != simdjson::SUCCESS) {
    return DecodeStatus::failure("OTLP JSON: " + where(r, s, i) + " is " +
                                 json::type_name(span_value) + ", expected an object");
  }
  element id_value;
  std::string_view id_text;
  if (!json::find_member(span, {"spanId", "span_id"}, id_value)) {
    return DecodeStatus::failure("OTLP JSON: " + where(r, s, i) + " has no spanId");
  }
  uint64_t span_id;
  if (id_value.get(id_text) != simdjson::SUCCESS || !parse_span_id(id_text, span_id)) {
    return DecodeStatus::failure("OTLP JSON: " + where(r, s, i) +
                                 ".spanId is not 16 hex digits (or 8 bytes of base64)");
  }
  if (!json::add_item_count(span, "attributes", json::Items::kArray, out.tag_count)) {
    return DecodeStatus::failure("OTLP JSON: " + where(r, s, i) + ".attributes is not an array");
  }
  if (!json::add_item_count(span, "events", json::Items::kArray, out.log_count)) {
    return DecodeStatus::failure("OTLP JSON: " + where(r, s, i) + ".events is not an array");
  }
  int64_t end;
  if (!json::integer_member(span, {"endTimeUnixNano", "end_time_unix_nano"}, end) || end <= 0) {
    end = DecodedReport::kNoEndTime;  // absent, or proto3's unset 0
  }
  out.span_ids.push_back(span_id);
  out.end_unix_nanos.push_back(end);
  return DecodeStatus::success();
}

// The optional array member of `parent` named one of `names`; anything but
// an array or null is reported with `what`.
DecodeStatus get_array(object parent, std::initializer_list<std::string_view> names,
                       const std::string& what, array& items, bool& present) {
  element value;
  const json::Found found = json::optional_array(parent, names, items, value);
  present = found == json::Found::kArray;
  if (found != json::Found::kWrongType) return DecodeStatus::success();
  return DecodeStatus::failure("OTLP JSON: " + what + " is " + json::type_name(value) +
                               ", expected an array");
}

DecodeStatus decode_request(std::string_view body, DecodedReport& out) {
  element root;
  if (auto error = json::parse(body, root); error != simdjson::SUCCESS) {
    return DecodeStatus::failure(json::parse_failure("OTLP", body, error));
  }
  object request;
  if (root.get(request) != simdjson::SUCCESS) {
    return DecodeStatus::failure(std::string("OTLP JSON: top level is ") + json::type_name(root) +
                                 ", expected an object with resourceSpans");
  }
  array resource_spans;
  bool present;
  if (auto st = get_array(request, {"resourceSpans", "resource_spans"}, "resourceSpans",
                          resource_spans, present);
      !st.ok || !present) {
    return st;
  }
  size_t r = 0;
  for (element rs_value : resource_spans) {
    object rs;
    if (rs_value.get(rs) != simdjson::SUCCESS) {
      return DecodeStatus::failure("OTLP JSON: resourceSpans[" + std::to_string(r) +
                                   "] is not an object");
    }
    size_t s = 0;
    for (auto names : {std::initializer_list<std::string_view>{"scopeSpans", "scope_spans"},
                       std::initializer_list<std::string_view>{"instrumentationLibrarySpans",
                                                               "instrumentation_library_spans"}}) {
      array scope_spans;
      const std::string what =
          "resourceSpans[" + std::to_string(r) + "]." + std::string(*names.begin());
      if (auto st = get_array(rs, names, what, scope_spans, present); !st.ok) return st;
      if (!present) continue;
      for (element ss_value : scope_spans) {
        object ss;
        if (ss_value.get(ss) != simdjson::SUCCESS) {
          return DecodeStatus::failure("OTLP JSON: " + what + "[" + std::to_string(s) +
                                       "] is not an object");
        }
        array spans;
        if (auto st = get_array(ss, {"spans"}, what + "[" + std::to_string(s) + "].spans", spans,
                                present);
            !st.ok) {
          return st;
        }
        if (present) {
          size_t i = 0;
          for (element span : spans) {
            if (auto st = decode_span(span, out, r, s, i); !st.ok) return st;
            ++i;
          }
        }
        ++s;
      }
    }
    ++r;
  }
  return DecodeStatus::success();
}

}  // namespace

DecodeStatus decode_otlp_json(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] { return decode_request(body, out); });
}

}  // namespace spanbench::satellite
