#pragma once

// simdjson plumbing shared by the JSON decoders.

#include <simdjson.h>

#include <cstdint>
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

}  // namespace spanbench::satellite::json
