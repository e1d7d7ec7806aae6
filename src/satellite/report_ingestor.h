#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "satellite/decoders/decoder.h"
#include "satellite/faults.h"
#include "satellite/protocol.h"
#include "satellite/span_counter.h"

namespace spanbench::satellite {

// Runs the decoder the protocol table names for `protocol`.
DecodeStatus decode_report(Protocol protocol, std::string_view body, DecodedReport& out);

// CLOCK_REALTIME in nanoseconds since the epoch: the clock tracers stamp
// span times with. Transports read it once per report, when its body is
// complete (before un-gzipping and decoding), as the report's receive time.
int64_t realtime_now_nanos();

// A decoded report waiting for its deliberate delay before it is answered.
struct PreparedReport {
  Protocol protocol = Protocol::kOther;
  DecodedReport decoded;
  uint64_t wire_bytes = 0;
  int64_t received_unix_nanos = 0;
  FaultPlan::Verdict verdict;
};

// What the transport should answer.
enum class IngestOutcome {
  kAccepted,
  kRejected,        // malformed: 4xx / INVALID_ARGUMENT, reason in the status
  kFailedByMode,    // slow_fail
  kFailedInjected,  // --error-rate
  kInterrupted,     // the group is shutting down; drop the connection
};

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::kAccepted;
  std::string reason;  // one line, for rejected reports
  size_t spans = 0;    // spans in the report (accepted or not)
};

// The transport-independent path of a report: decode, apply the fault plan,
// count. HTTP, gRPC and UDP front ends only move bytes and map outcomes to
// their status codes.
class ReportIngestor {
 public:
  ReportIngestor(SpanCounter& counter, const FaultPlan& plan, Interrupter& interrupter);

  // Decodes `body` (de-chunked, un-gzipped), received at
  // `received_unix_nanos` (realtime_now_nanos() when its bytes were all in).
  // A malformed body is counted as rejected here and the reason returned;
  // otherwise `out` holds the report and the verdict, to be committed after
  // `out.verdict.delay`.
  IngestResult prepare(Protocol protocol, std::string_view body, uint64_t wire_bytes,
                       int64_t received_unix_nanos, PreparedReport& out);
  // Counts a prepared report as accepted or failed, per its verdict.
  IngestResult commit(const PreparedReport& report);

  // prepare + wait (interruptible) + commit, for transports that may block.
  IngestResult ingest(Protocol protocol, std::string_view body, uint64_t wire_bytes,
                      int64_t received_unix_nanos);

  // A report refused before decoding (transport-level problem).
  void count_rejected(Protocol protocol) { counter_.reject(protocol); }

  SpanCounter& counter() { return counter_; }
  Interrupter& interrupter() { return interrupter_; }

 private:
  SpanCounter& counter_;
  const FaultPlan& plan_;
  Interrupter& interrupter_;
};

}  // namespace spanbench::satellite
