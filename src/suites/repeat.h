#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "suites/overhead.h"
#include "suites/runner.h"

namespace spanbench {

struct RepeatOptions {
  RunOptions run;  // trace is ignored: each repetition runs both
  int repetitions = 10;
  // out_dir/traced/run-001.json, out_dir/untraced/run-001.json, ... each
  // written as soon as its run is measured (a failed run's partial result
  // too, with an "error" field, which compare skips).
  std::filesystem::path out_dir = "repeat";
  // Disturbed runs are still counted and named, but do not make the
  // summary noisy.
  bool allow_noise = false;
};

struct RepeatRun {
  int repetition = 0;  // 1-based
  bool trace = false;
  std::filesystem::path file;
  Result result;
};

// N traced and N untraced runs of one configuration, alternating (traced
// first), so that drift in the machine falls on both sets alike. The two
// folders are result sets for `spanbench compare`. A failed run throws
// RunFailed once its partial result is on disk. Ends with the summary of
// both sets (the tracer's overhead with its confidence intervals), also
// written to out_dir/summary.json.
OverheadAnalysis run_repeat(Runner& runner, const RepeatOptions& options,
                            const std::function<void(const RepeatRun&)>& on_run = {});

// Where repetition `n` of the traced or untraced set goes.
std::filesystem::path repeat_file(const std::filesystem::path& out_dir, bool trace, int n);

}  // namespace spanbench
