#pragma once

// The call tree a flame graph draws: every stack of a profile merged from its
// root, each node with the CPU of the stacks through it (inclusive) and of
// those ending in it (self). A differential tree holds both profiles'
// costs at each node of either.

#include <cstdint>
#include <string>
#include <vector>

#include "profile/diff.h"
#include "profile/profile.h"

namespace spanbench {

struct FlameTree {
  struct Node {
    std::string name;
    ProfileCost traced, traced_self;      // the profile drawn (the traced one of a diff)
    ProfileCost untraced, untraced_self;  // the base of a diff; zero otherwise
    uint32_t depth = 0;                   // the root is 0
    std::vector<uint32_t> children;       // indices into nodes, by name
  };
  std::vector<Node> nodes;  // nodes[0] is the root, "all"
  bool differential = false;
  size_t traced_runs = 0, untraced_runs = 0;
  double frequency_hz = 0;
  uint32_t max_depth = 0;
  const Node& root() const { return nodes.front(); }
};

// The call tree of one profile (its costs in `traced`).
FlameTree flame_tree(const AggregateProfile& profile);
// The call tree of both sides of a diff; a frame's width in a differential
// flame graph is its traced cost, its colour the difference.
FlameTree diff_flame_tree(const ProfileDiff& diff);

}  // namespace spanbench
