#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "report/summary.h"  // NamedResult
#include "stats/statistics.h"

namespace spanbench {

// What a suite concludes from its runs. "noisy": the runs cannot carry a
// verdict (disturbed runs, or an overhead below zero beyond its confidence
// interval); the CLI exits with kNoisyExitCode, distinct from pass (0),
// fail (1) and usage errors (2).
enum class Verdict { pass, fail, noisy };
inline constexpr int kNoisyExitCode = 3;
const char* verdict_label(Verdict v);  // PASS, FAIL, NOISY
const char* verdict_name(Verdict v);   // pass, fail, noisy (JSON)

// "traced/run-003.json (other processes used 1.3 cores)" for each disturbed run.
std::vector<std::string> disturbed_runs(const std::vector<NamedResult>& runs);

// A traced run's spans/s may fall this far below the untraced median
// before the tracer is said not to hold the rate.
inline constexpr double kRateShortfallLimit = 0.05;

// What `run --repeat` concludes about the tracer from N traced and N
// untraced runs of one configuration. Differences are traced - untraced,
// Hodges-Lehmann estimates with their Mann-Whitney confidence intervals.
struct OverheadAnalysis {
  enum class Status {
    overhead,             // the CPU difference is the tracer's overhead
    noisy,                // disturbed runs (and no --allow-noise)
    measurement_problem,  // traced used less CPU than untraced beyond the interval
    rate_not_held,        // the traced client fell short of the rate: a finding, not an overhead
    no_runs,              // a side has no run
  };

  std::string description;  // "cpp-mock, 1000 spans/s, 10 s"
  size_t traced_runs = 0;
  size_t untraced_runs = 0;
  double confidence = 0.95;
  stats::Summary traced_cpu, untraced_cpu;  // loop CPU share, 0..1
  stats::Summary traced_sps, untraced_sps;  // achieved spans/s
  stats::Summary traced_rss, untraced_rss;  // peak RSS, bytes
  stats::ShiftInterval cpu_points;          // loop CPU share, x100
  stats::ShiftInterval cpu_ns_per_span;     // loop CPU seconds / spans sent, ns
  // Start-up, on its own and not spread over the spans: the client's
  // start-up (spawn to GET /control) and its tracer set-up (GET /control to
  // POST /loop_start), CPU and wall, milliseconds.
  stats::ShiftInterval startup_cpu_ms, startup_wall_ms, setup_cpu_ms, setup_wall_ms;
  double rate_shortfall = 0;  // 1 - traced median / untraced median spans/s
  bool rate_held = true;
  std::vector<std::string> disturbed;
  bool allow_noise = false;
  Status status = Status::no_runs;
  std::string status_text;  // one line saying what the figures mean
};

// Pure: no process, no file. `allow_noise` keeps disturbed runs from making
// the status noisy (they are still counted and named).
OverheadAnalysis analyze_overhead(const std::vector<NamedResult>& traced,
                                  const std::vector<NamedResult>& untraced, bool allow_noise,
                                  double confidence = 0.95);
const char* status_name(OverheadAnalysis::Status s);
// The overhead's intervals, the start-up, the disturbed runs and the
// status line; the figures of each set are format_summary_table's.
std::string format_overhead(const OverheadAnalysis& a);
nlohmann::json to_json(const OverheadAnalysis& a);

// "+1.23 [+0.90, +1.50]" (with a note when the asked confidence was out of
// reach), the figures scaled by `scale` and printed with `precision`.
std::string interval_text(const stats::ShiftInterval& s, double scale, int precision,
                          const std::string& unit);
nlohmann::json to_json(const stats::ShiftInterval& s);

}  // namespace spanbench
