#pragma once

#include <opentracing/tracer.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/control_command.h"

// The mock tracer's extra per-span work (--hot-work-ns): burns `ns` of the
// calling thread's CPU time.
extern "C" void spanbench_mock_hot_work(int64_t ns);

namespace spanbench::client {

// A tracer under test and how to get its spans out at the end.
class TracerUnderTest {
 public:
  virtual ~TracerUnderTest() = default;
  virtual std::shared_ptr<opentracing::Tracer> tracer() = 0;
  // Flushes buffered spans and shuts the tracer down.
  virtual void flush() = 0;
  // One line for the client's log at exit ("" for nothing).
  virtual std::string summary() const { return ""; }
  // Set when flush() must find a span still buffered and the tracer's
  // writer idle: the client then sleeps off the last span's debt before
  // finishing it, not after (the same sleep happens), waits this much
  // longer for an in-progress background send to end, then finishes the
  // last span and flushes.
  virtual std::optional<std::chrono::milliseconds> hold_last_span() const { return std::nullopt; }
  // Called after each span's Finish() (for work a tracer does per span).
  virtual void span_finished() {}
};

struct TracerFlags {
  // The mock tracer burns this much CPU per finished span in
  // spanbench_mock_hot_work: a known hot function for profiles.
  int64_t hot_work_ns = 0;
};

// The tracer packages a --tracer name uses, with versions, for the result.
std::string tracer_version(const std::string& name);
// Names accepted by --tracer.
const char* tracer_names();
// Throws std::invalid_argument for an unknown name.
std::unique_ptr<TracerUnderTest> make_tracer(const std::string& name, const ControlCommand& command,
                                             const TracerFlags& flags = {});

}  // namespace spanbench::client
