#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/protocol_family.h"
#include "suites/runner.h"

namespace spanbench {

struct CheckOptions {
  std::string client;
  double spans_per_second = 200;
  double runtime_seconds = 3;
  int num_tags = 10;
  int num_logs = 15;
  std::vector<uint16_t> satellite_ports;  // empty: defaults
};

struct CheckStep {
  std::string name;
  bool passed = false;
  std::string detail;  // what was measured, and against what
};

struct CheckReport {
  std::string client;
  std::vector<CheckStep> steps;
  bool passed() const;
};

// The conformance test every client that reports over the network must
// pass: a traced run delivers every span exactly once and with its shape,
// an untraced run delivers none, and runs that lose spans (NoFlush,
// slow_fail satellites) have their drops accounted. `on_step` is called
// after each step (for progress output).
CheckReport check_client(Runner& runner, const CheckOptions& options,
                         const std::function<void(const CheckStep&)>& on_step = {});

// Whether a protocol family carries span logs (Datadog's does not).
bool protocol_carries_logs(ProtocolFamily protocol);

}  // namespace spanbench
