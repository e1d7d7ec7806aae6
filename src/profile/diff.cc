#include "profile/diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.h"

namespace spanbench {
namespace {

// Adds each stack's cost to its leaf's self and, once per distinct frame on
// it, to that frame's total.
void add_frames(const AggregateProfile& a, bool traced_side,
                std::unordered_map<std::string, size_t>& index, std::vector<FrameDelta>& frames) {
  std::vector<size_t> ids(a.frame_names.size(), size_t(-1));
  auto frame_index = [&](uint32_t id) {
    if (ids[id] != size_t(-1)) return ids[id];
    const std::string& name = a.frame_names[id];
    auto [it, added] = index.emplace(name, frames.size());
    if (added) frames.push_back({name, {}, {}, {}, {}});
    return ids[id] = it->second;
  };
  // The last stack each frame was counted in (frame names are unique in `a`).
  std::vector<size_t> counted_in(a.frame_names.size(), size_t(-1));
  for (size_t k = 0; k < a.stacks.size(); ++k) {
    const auto& s = a.stacks[k];
    if (s.frames.empty()) continue;
    FrameDelta& leaf = frames[frame_index(s.frames.back())];
    (traced_side ? leaf.traced_self : leaf.untraced_self) += s.cost;
    for (uint32_t id : s.frames) {
      if (counted_in[id] == k) continue;
      counted_in[id] = k;
      FrameDelta& d = frames[frame_index(id)];
      (traced_side ? d.traced_total : d.untraced_total) += s.cost;
    }
  }
}

}  // namespace

ProfileDiff diff_profiles(const ProfileSet& untraced, const ProfileSet& traced) {
  if (!untraced.runs.empty() && !traced.runs.empty()) {
    auto all = [](const ProfileSet& s, bool trace) {
      return std::all_of(s.runs.begin(), s.runs.end(),
                         [&](const RunProfile& r) { return r.trace == trace; });
    };
    if (all(untraced, true) && all(traced, false)) {
      throw UsageError(untraced.label + " holds traced runs and " + traced.label +
                       " untraced ones: give the untraced profile first, then the traced one");
    }
  }
  ProfileDiff d;
  d.untraced = aggregate_profile(untraced);
  d.traced = aggregate_profile(traced);
  if (d.untraced.client != d.traced.client) {
    d.mismatches.push_back("client: " + d.untraced.client + " vs " + d.traced.client);
  }
  auto rates = [](const ProfileSet& s) {
    std::vector<double> out;
    for (const auto& r : s.runs) out.push_back(r.target_spans_per_second);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  if (rates(untraced) != rates(traced)) {
    d.mismatches.push_back(fmt::format("target spans/s: {} vs {}", fmt::join(rates(untraced), ", "),
                                       fmt::join(rates(traced), ", ")));
  }
  if (d.untraced.frequency_hz != d.traced.frequency_hz) {
    d.mismatches.push_back(fmt::format("sampling frequency: {} Hz vs {} Hz",
                                       d.untraced.frequency_hz, d.traced.frequency_hz));
  }
  std::unordered_map<std::string, size_t> index;
  add_frames(d.untraced, false, index, d.frames);
  add_frames(d.traced, true, index, d.frames);
  return d;
}

std::vector<const FrameDelta*> ProfileDiff::top(FrameCostKind kind, size_t n) const {
  std::vector<const FrameDelta*> out;
  for (const auto& f : frames) {
    const bool sampled = kind == FrameCostKind::self
                             ? f.traced_self.samples > 0 || f.untraced_self.samples > 0
                             : f.traced_total.samples > 0 || f.untraced_total.samples > 0;
    if (sampled) out.push_back(&f);
  }
  auto added = [kind](const FrameDelta* f) {
    return (kind == FrameCostKind::self ? f->added_self() : f->added_total()).core_share;
  };
  std::sort(out.begin(), out.end(), [&](const FrameDelta* a, const FrameDelta* b) {
    double x = added(a), y = added(b);
    return x != y ? x > y : a->name < b->name;
  });
  if (out.size() > n) out.resize(n);
  return out;
}

bool ProfileDiff::is_noise(const ProfileCost& untraced_cost, const ProfileCost& traced_cost) const {
  const ProfileCost d = traced_cost - untraced_cost;
  return std::fabs(d.core_share) < 2 * std::sqrt(d.core_share_variance) ||
         (untraced_cost.samples == 0 && traced_cost.samples == 0);
}

}  // namespace spanbench
