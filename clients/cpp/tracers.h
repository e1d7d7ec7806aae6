#pragma once

#include <opentracing/tracer.h>

#include <memory>
#include <string>

#include "core/command.h"

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
  // True when flush() must find a span still buffered: the client then
  // sleeps off the last span's debt before finishing it, not after, so the
  // same sleep happens but the last span is pending at flush time.
  virtual bool flush_needs_pending_span() const { return false; }
};

// Names accepted by --tracer.
const char* tracer_names();
// Throws std::invalid_argument for an unknown name.
std::unique_ptr<TracerUnderTest> make_tracer(const std::string& name,
                                             const ControlCommand& command);

}  // namespace spanbench::client
