// LightStep thrift-shaped JSON report (POST /api/v0/reports), as posted by
// lightstep-tracer for Node (0.35): JSON.stringify of a crouton ReportRequest,
// i.e. {"runtime": {...}, "span_records": [{"span_guid": "<16 hex>",
// "attributes": [{"Key", "Value"}], "log_records": [{"fields": [...]}],
// "oldest_micros", "youngest_micros" (start and end, microseconds), ...}]}
// with unset thrift fields present as null.

#include "satellite/decoders/decoder.h"
#include "satellite/decoders/decoder_support.h"
#include "satellite/decoders/json_support.h"

namespace spanbench::satellite {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

DecodeStatus fail_at(size_t index, const std::string& what) {
  return DecodeStatus::failure("LightStep JSON: span_records[" + std::to_string(index) + "] " +
                               what);
}

// The tracer generates 16 hex digit guids; other strings still identify the
// span, so they are hashed rather than rejected.
uint64_t span_id_of(std::string_view guid) {
  uint64_t id;
  if (detail::parse_hex_u64(guid, id)) return id;
  return detail::hash_u64(guid);
}

DecodeStatus decode_report(std::string_view body, DecodedReport& out) {
  element root;
  if (auto error = json::parse(body, root); error != simdjson::SUCCESS) {
    return DecodeStatus::failure(json::parse_failure("LightStep report", body, error));
  }
  object report;
  if (root.get(report) != simdjson::SUCCESS) {
    return DecodeStatus::failure(std::string("LightStep JSON: top level is ") +
                                 json::type_name(root) + ", expected a report object");
  }
  array records;
  element records_value;
  switch (json::optional_array(report, {"span_records"}, records, records_value)) {
    case json::Found::kAbsent:
      return DecodeStatus::success();
    case json::Found::kWrongType:
      return DecodeStatus::failure(std::string("LightStep JSON: span_records is ") +
                                   json::type_name(records_value) + ", expected an array");
    case json::Found::kArray:
      break;
  }
  size_t index = 0;
  for (element record_value : records) {
    object record;
    if (record_value.get(record) != simdjson::SUCCESS) {
      return fail_at(index, "is not an object");
    }
    std::string_view guid;
    if (record["span_guid"].get(guid) != simdjson::SUCCESS) {
      return fail_at(index, "has no string span_guid");
    }
    if (!json::add_item_count(record, "attributes", json::Items::kArray, out.tag_count)) {
      return fail_at(index, "attributes is not an array");
    }
    if (!json::add_item_count(record, "log_records", json::Items::kArray, out.log_count)) {
      return fail_at(index, "log_records is not an array");
    }
    int64_t youngest;
    const int64_t end = json::integer_member(record, {"youngest_micros"}, youngest)
                            ? detail::end_time_nanos(youngest, 0, 1000)
                            : DecodedReport::kNoEndTime;
    out.span_ids.push_back(span_id_of(guid));
    out.end_unix_nanos.push_back(end);
    ++index;
  }
  return DecodeStatus::success();
}

}  // namespace

DecodeStatus decode_lightstep_json(std::string_view body, DecodedReport& out) {
  return detail::decode_atomically(out, [&] { return decode_report(body, out); });
}

}  // namespace spanbench::satellite
