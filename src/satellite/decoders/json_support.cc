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
