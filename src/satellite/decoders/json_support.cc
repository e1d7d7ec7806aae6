#include "satellite/decoders/json_support.h"

namespace spanbench::satellite::json {
namespace {

// Control bytes other than JSON whitespace near the start mean protobuf,
// msgpack or thrift rather than text.
bool looks_binary(std::string_view body) {
  for (char c : body.substr(0, 64)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') return true;
  }
  return false;
}

}  // namespace

simdjson::error_code parse(std::string_view body, simdjson::dom::element& root) {
  // One parser per thread: satellites decode on several threads at once and
  // the parser's buffers are worth keeping between reports.
  thread_local simdjson::dom::parser parser;
  // simdjson would memcpy from a null pointer for an empty view.
  if (body.empty()) return simdjson::EMPTY;
  return parser.parse(body.data(), body.size()).get(root);
}

std::string parse_failure(std::string_view protocol, std::string_view body,
                          simdjson::error_code error) {
  std::string why = "not valid ";
  why += protocol;
  why += " JSON: ";
  if (body.empty()) {
    why += "empty body";
    return why;
  }
  why += simdjson::error_message(error);
  const auto first = static_cast<unsigned char>(body.front());
  if (first == 0x1f && body.size() > 1 && static_cast<unsigned char>(body[1]) == 0x8b) {
    why += " (the body is gzip; send Content-Encoding: gzip)";
  } else if (looks_binary(body)) {
    why += " (the body looks binary)";
  }
  return why;
}

bool count_items(simdjson::dom::element value, uint64_t& count) {
  switch (value.type()) {
    case simdjson::dom::element_type::ARRAY: {
      const simdjson::dom::array array = value.get_array().value_unsafe();
      count = array.size();
      // The tape stores sizes in 24 bits; larger arrays must be walked.
      if (count >= 0xFFFFFF) {
        count = 0;
        for ([[maybe_unused]] simdjson::dom::element item : array) ++count;
      }
      return true;
    }
    case simdjson::dom::element_type::OBJECT: {
      const simdjson::dom::object object = value.get_object().value_unsafe();
      count = object.size();
      if (count >= 0xFFFFFF) {
        count = 0;
        for ([[maybe_unused]] simdjson::dom::key_value_pair member : object) ++count;
      }
      return true;
    }
    case simdjson::dom::element_type::NULL_VALUE:
      count = 0;
      return true;
    default:
      return false;
  }
}

bool integer_member(simdjson::dom::object parent, std::initializer_list<std::string_view> names,
                    int64_t& value) {
  simdjson::dom::element element;
  if (!find_member(parent, names, element)) return false;
  switch (element.type()) {
    case simdjson::dom::element_type::INT64:
      return element.get_int64().get(value) == simdjson::SUCCESS;
    case simdjson::dom::element_type::UINT64:
      return false;  // past INT64_MAX: not a time
    case simdjson::dom::element_type::DOUBLE: {
      const double d = element.get_double().value_unsafe();
      // 2^63 as a double; NaN fails both comparisons.
      if (!(d > -9.2233720368547758e18 && d < 9.2233720368547758e18)) return false;
      value = static_cast<int64_t>(d);
      return true;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view text = element.get_string().value_unsafe();
      if (text.empty() || text.size() > 19) return false;
      int64_t v = 0;
      for (char c : text) {
        if (c < '0' || c > '9') return false;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v)) {
          return false;
        }
      }
      value = v;
      return true;
    }
    default:
      return false;
  }
}

const char* type_name(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
}

}  // namespace spanbench::satellite::json
