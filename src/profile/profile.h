#pragma once

// Sampled profiles of runs, as `run --profile` leaves them: a run's result
// JSON (its "profile" object: the folded file's name, the sampling
// frequency, the sample count) and the folded stacks beside it
// (docs/profiling.md). Read here, averaged over a set of runs, ready to be
// compared (profile/diff.h) and drawn (profile/flame_graph.h).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "profile/folded.h"

namespace spanbench {

// The CPU sampled in some stacks of a set of runs: `samples` over all the
// runs, the rest as the mean of the runs (each run's figure, then averaged,
// so that runs of different lengths weigh the same).
struct ProfileCost {
  int64_t samples = 0;          // total over the runs
  double samples_per_run = 0;   // mean
  double cpu_seconds = 0;       // samples / frequency_hz, mean per run
  double core_share = 0;        // cpu_seconds / loop_seconds (1 = a whole core), mean
  double seconds_per_span = 0;  // cpu_seconds / spans_sent, mean; NaN when spans are unknown
  // The variance of core_share from sampling alone: sample counts are
  // Poisson, so a run's count c has variance c, and its share c / (f L)
  // variance c / (f L)^2; the mean of N runs divides that by N^2.
  double core_share_variance = 0;
  ProfileCost& operator+=(const ProfileCost& o);
};
// The difference of two costs; its variance is the sum of theirs.
ProfileCost operator-(const ProfileCost& a, const ProfileCost& b);

// One profiled run: its stacks and what its result JSON says about it.
struct RunProfile {
  std::string name;  // the file it was named by, relative when read from a folder
  std::filesystem::path json_file;
  std::filesystem::path folded_file;
  FoldedStacks stacks;
  std::string client;
  bool trace = false;
  double target_spans_per_second = 0;
  double frequency_hz = 0;
  double loop_seconds = 0;
  double loop_cpu_seconds = 0;  // measured by the harness, not sampled
  int64_t spans_sent = 0;
  int64_t samples = 0;  // as the JSON says (the folded file's total may be smaller)
  int64_t lost_samples = 0;
  std::string unwinding;  // "fp" or "dwarf", as the capture says
  std::vector<std::string> notes;
};

// The run a file names: a run JSON with a "profile" object, or a folded file
// with its run JSON beside it (run-001.folded and run-001.json). Throws
// UsageError saying what to do when the run was not profiled, failed, or
// its files cannot be read.
RunProfile load_run_profile(const std::filesystem::path& file);

// A set of profiled runs of one configuration, to be averaged.
struct ProfileSet {
  std::string label;  // where it came from, for people: "results/repeat/traced"
  std::vector<RunProfile> runs;
  // Runs in the folder that could not be used, "run-002.json: not profiled".
  std::vector<std::string> skipped;
};

// The profiled runs of a folder's run JSONs (not its subfolders), in name
// order; JSONs that are not result documents are passed over, runs that
// failed or were not profiled are listed in `skipped`. Throws UsageError
// when the folder cannot be read.
ProfileSet load_profile_folder(const std::filesystem::path& dir);

// A run JSON, a folded file with its JSON beside it, or a folder of runs.
// Throws UsageError when it holds no profiled run.
ProfileSet load_profile_set(const std::filesystem::path& where);

// The runs of `set` whose "trace" is `trace`, keeping its label.
ProfileSet runs_with_trace(const ProfileSet& set, bool trace);

// A set of runs merged: each distinct stack once with its cost.
struct AggregateProfile {
  std::string label;
  std::string client;  // the runs' client, or "a, b" when they differ
  size_t runs = 0;
  double frequency_hz = 0;         // the runs' (when they differ, the lowest)
  double loop_seconds = 0;         // mean
  double spans_sent = 0;           // mean
  double measured_cpu_share = 0;   // loop_cpu_seconds / loop_seconds, mean: the harness's figure
  int64_t lost_samples = 0;        // total
  std::vector<std::string> notes;  // the runs' notes, each once
  std::vector<std::string> frame_names;
  struct Stack {
    std::vector<uint32_t> frames;  // into frame_names, root first
    ProfileCost cost;
  };
  std::vector<Stack> stacks;
  ProfileCost total;  // of every stack
};

// Throws UsageError when the set has no run, or a run has no positive
// frequency or loop time (a result JSON that cannot be right).
AggregateProfile aggregate_profile(const ProfileSet& set);

}  // namespace spanbench
