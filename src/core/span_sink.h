#pragma once

#include <cstdint>
#include <string>

namespace spanbench {

// What the controller reads from wherever traced spans land (a satellite
// group) after a run.
struct SinkCounts {
  uint64_t spans_received = 0;   // distinct span IDs accepted since reset()
  uint64_t duplicate_spans = 0;  // extra copies of span IDs already accepted
  uint64_t reports = 0;          // reports accepted (used to see activity settle)
  uint64_t bytes = 0;            // body bytes accepted
  uint64_t tags = 0;             // span-level tags in accepted reports
  uint64_t logs = 0;             // span logs/events in accepted reports
  // Export latency of first-seen spans whose end time the wire format
  // carries: receive time (CLOCK_REALTIME when the report's body was
  // complete) minus the span's end as the tracer stamped it. The quantiles
  // mean nothing when latency_spans is 0.
  uint64_t latency_spans = 0;
  double latency_p50_seconds = 0;
  double latency_p99_seconds = 0;
};

// The seam between the controller and the satellites: the controller resets
// the sink before a run, tells it when the client starts and stops (so
// scheduled faults such as shutdown-at-30s are relative to the run), and
// reads its counts once they stop changing.
class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void reset() = 0;
  virtual SinkCounts counts() const = 0;
  virtual void run_started() {}
  virtual void run_finished() {}
  // "host:port,port,..." style description for logs.
  virtual std::string describe() const = 0;
};

}  // namespace spanbench
