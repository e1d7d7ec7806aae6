#pragma once

// Where a tracer's CPU goes: the sampled profiles of untraced and traced runs
// compared frame by frame. A frame's CPU is its samples / frequency; each
// side is the mean of its runs; the difference (traced - untraced) is given
// in % of a core (CPU seconds / loop seconds) and in ns per span (CPU seconds
// / spans sent) (docs/profiling.md, "Reading a differential profile").

#include <string>
#include <vector>

#include "profile/profile.h"

namespace spanbench {

// One function (frame name) in both profiles: its self CPU (samples where it
// was the leaf) and total CPU (samples with it anywhere on the stack, each
// stack counted once however often it recurses).
struct FrameDelta {
  std::string name;
  ProfileCost untraced_self, traced_self;
  ProfileCost untraced_total, traced_total;
  ProfileCost added_self() const { return traced_self - untraced_self; }
  ProfileCost added_total() const { return traced_total - untraced_total; }
};

enum class FrameCostKind { self, total };

struct ProfileDiff {
  AggregateProfile untraced;
  AggregateProfile traced;
  std::vector<FrameDelta> frames;  // every frame of either side, by name
  ProfileCost added() const { return traced.total - untraced.total; }
  // Frames with samples of this kind on either side, sorted by added CPU in
  // % of a core (most added first; ties by name), at most `n`.
  std::vector<const FrameDelta*> top(FrameCostKind kind, size_t n) const;
  // Whether the change from `untraced_cost` to `traced_cost` is within what
  // sampling alone gives between two equal profiles: under two standard
  // errors (ProfileCost::core_share_variance; a count of n samples varies
  // by about sqrt(n)).
  bool is_noise(const ProfileCost& untraced_cost, const ProfileCost& traced_cost) const;
  // Settings that differ between the sides ("client: a vs b"), for a warning.
  std::vector<std::string> mismatches;
};

// Compares two sets of profiled runs. Throws UsageError when a set is empty,
// or when the first holds traced runs and the second untraced ones (they
// were given the wrong way round).
ProfileDiff diff_profiles(const ProfileSet& untraced, const ProfileSet& traced);

}  // namespace spanbench
