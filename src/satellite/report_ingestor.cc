#include "satellite/report_ingestor.h"

#include <time.h>

namespace spanbench::satellite {

DecodeStatus decode_report(Protocol protocol, std::string_view body, DecodedReport& out) {
  const DecodeFn decode = protocol_spec(protocol).decode;
  if (!decode) return DecodeStatus::failure("no decoder for this endpoint");
  return decode(body, out);
}

int64_t realtime_now_nanos() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

ReportIngestor::ReportIngestor(SpanCounter& counter, const FaultPlan& plan,
                               Interrupter& interrupter)
    : counter_(counter), plan_(plan), interrupter_(interrupter) {}

IngestResult ReportIngestor::prepare(Protocol protocol, std::string_view body, uint64_t wire_bytes,
                                     int64_t received_unix_nanos, PreparedReport& out) {
  out.protocol = protocol;
  out.wire_bytes = wire_bytes;
  out.received_unix_nanos = received_unix_nanos;
  out.decoded.span_ids.clear();
  out.decoded.end_unix_nanos.clear();
  out.decoded.tag_count = 0;
  out.decoded.log_count = 0;
  IngestResult result;
  DecodeStatus status = decode_report(protocol, body, out.decoded);
  if (!status.ok) {
    counter_.reject(protocol);
    result.outcome = IngestOutcome::kRejected;
    result.reason = status.error.empty() ? "malformed report" : std::move(status.error);
    return result;
  }
  out.verdict = plan_.judge(out.decoded.span_ids.size());
  result.spans = out.decoded.span_ids.size();
  return result;
}

IngestResult ReportIngestor::commit(const PreparedReport& report) {
  IngestResult result;
  result.spans = report.decoded.span_ids.size();
  switch (report.verdict.outcome) {
    case FaultPlan::Outcome::kAccept:
      counter_.accept(report.protocol, report.decoded.span_ids, report.wire_bytes,
                      report.decoded.tag_count, report.decoded.log_count,
                      SpanTimes{report.decoded.end_unix_nanos, report.received_unix_nanos});
      result.outcome = IngestOutcome::kAccepted;
      break;
    case FaultPlan::Outcome::kFailByMode:
      counter_.fail(report.protocol);
      result.outcome = IngestOutcome::kFailedByMode;
      break;
    case FaultPlan::Outcome::kFailInjected:
      counter_.fail(report.protocol);
      result.outcome = IngestOutcome::kFailedInjected;
      break;
  }
  return result;
}

IngestResult ReportIngestor::ingest(Protocol protocol, std::string_view body, uint64_t wire_bytes,
                                    int64_t received_unix_nanos) {
  // Reused per thread: a connection thread decodes one report at a time and
  // keeps the ID vector's capacity between reports.
  thread_local PreparedReport report;
  IngestResult result = prepare(protocol, body, wire_bytes, received_unix_nanos, report);
  if (result.outcome == IngestOutcome::kRejected) return result;
  if (!interrupter_.sleep_for(report.verdict.delay)) {
    result.outcome = IngestOutcome::kInterrupted;
    return result;
  }
  return commit(report);
}

}  // namespace spanbench::satellite
