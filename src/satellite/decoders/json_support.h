#pragma once

// simdjson plumbing shared by the JSON decoders.

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace spanbench::satellite::json {

// Parses `body` with this thread's parser (its buffers are reused across
// reports). The element stays valid until the next parse on this thread.
simdjson::error_code parse(std::string_view body, simdjson::dom::element& root);

// "not valid JSON (<simdjson reason>)" plus a hint for binary bodies.
std::string parse_failure(std::string_view protocol, std::string_view body,
                          simdjson::error_code error);

// Number of elements in an array or members in an object; null counts as
// empty. Anything else is a type error.
bool count_items(simdjson::dom::element value, uint64_t& count);

// The JSON type of `value` as a word for error messages.
const char* type_name(simdjson::dom::element value);

// The first member of `parent` named one of `names` (a protocol's
// lowerCamelCase and snake_case spellings), if any.
inline bool find_member(simdjson::dom::object parent, std::initializer_list<std::string_view> names,
                        simdjson::dom::element& value) {
  for (std::string_view name : names) {
    if (parent.at_key(name).get(value) == simdjson::SUCCESS) return true;
  }
  return false;
}

// What an optional array member held.
enum class Found { kAbsent, kArray, kWrongType };

// The optional array member of `parent` named one of `names`: absent or
// null is kAbsent; anything but an array is kWrongType, with `value` holding
// it for the error message.
inline Found optional_array(simdjson::dom::object parent,
                            std::initializer_list<std::string_view> names,
                            simdjson::dom::array& items, simdjson::dom::element& value) {
  if (!find_member(parent, names, value) || value.is_null()) return Found::kAbsent;
  return value.get(items) == simdjson::SUCCESS ? Found::kArray : Found::kWrongType;
}

// A timestamp or duration member of a span: a JSON integer, a number with a
// fraction (rounded down), or a decimal string (OTLP/JSON writes 64-bit
// integers as strings). False when absent, null or anything else; never
// fails the report, since the span's ID still counts.
bool integer_member(simdjson::dom::object parent, std::initializer_list<std::string_view> names,
                    int64_t& value);

// The container a span's tags or logs come in.
enum class Items { kArray, kObject };

// Adds the number of items of the optional member `key` of `parent` (a span's
// tags or logs) to `total`; absent or null adds nothing. False when the
// member is there but not the `items` container.
inline bool add_item_count(simdjson::dom::object parent, std::string_view key, Items items,
                           uint64_t& total) {
  simdjson::dom::element value;
  if (parent.at_key(key).get(value) != simdjson::SUCCESS) return true;
  uint64_t count = 0;
  const bool wrong = items == Items::kArray ? value.is_object() : value.is_array();
  if (wrong || !count_items(value, count)) return false;
  total += count;
  return true;
}

}  // namespace spanbench::satellite::json
