// Zipkin v2 JSON (POST /api/v2/spans): an array of span objects with `id`
// (up to 16 hex digits), `timestamp` and `duration` (microseconds; a span
// without duration ends at its timestamp), a `tags` object and an
// `annotations` array.

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/json_support.h"

namespace spanbench::satellite {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

DecodeStatus fail_at(size_t index, const std::string& what) {
  return DecodeStatus::failure("Zipkin JSON: span [" + std::to_string(index) + "] " + what);
}

DecodeStatus decode_spans(std::string_view body, DecodedReport& out) {
  element root;
  if (auto error = json::parse(body, root); error != simdjson::SUCCESS) {
    return DecodeStatus::failure(json::parse_failure("Zipkin v2", body, error));
  }
  array spans;
  if (root.get(spans) != simdjson::SUCCESS) {
    return DecodeStatus::failure(std::string("Zipkin JSON: top level is ") + json::type_name(root) +
                                 ", expected an array of spans (Zipkin v2)");
  }
  size_t index = 0;
  for (element span_value : spans) {
    object span;
    if (span_value.get(span) != simdjson::SUCCESS) {
      return fail_at(index, std::string("is ") + json::type_name(span_value) + ", not an object");
    }
    std::string_view id_text;
    uint64_t span_id;
    if (span["id"].get(id_text) != simdjson::SUCCESS) return fail_at(index, "has no string id");
    if (!detail::parse_hex_u64(id_text, span_id)) {
      return fail_at(index, "id \"" + detail::printable(id_text, 32) + "\" is not 1-16 hex digits");
    }
    if (!json::add_item_count(span, "tags", json::Items::kObject, out.tag_count)) {
      return fail_at(index, "tags is not an object");
    }
    if (!json::add_item_count(span, "annotations", json::Items::kArray, out.log_count)) {
      return fail_at(index, "annotations is not an array");
    }
    int64_t timestamp;
    int64_t duration = 0;
    int64_t end = DecodedReport::kNoEndTime;
    if (json::integer_member(span, {"timestamp"}, timestamp)) {
      json::integer_member(span, {"duration"}, duration);
      end = detail::end_time_nanos(timestamp, duration, 1000);
    }
    out.span_ids.push_back(span_id);
    out.end_unix_nanos.push_back(end);
    ++index;
  }
  return DecodeStatus::success();
}

}  // namespace

DecodeStatus decode_zipkin_json(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] { return decode_spans(body, out); });
}

}  // namespace spanbench::satellite
