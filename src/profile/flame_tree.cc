#include "profile/flame_tree.h"

#include <algorithm>
#include <unordered_map>

namespace spanbench {
namespace {

class TreeBuilder {
 public:
  explicit TreeBuilder(FlameTree& tree) : tree_(tree) {
    tree_.nodes.clear();
    tree_.nodes.push_back({});
    tree_.nodes[0].name = "all";
  }

  void add(const AggregateProfile& p, bool traced_side) {
    std::vector<uint32_t> ids(p.frame_names.size());
    for (size_t i = 0; i < p.frame_names.size(); ++i) ids[i] = name_id(p.frame_names[i]);
    for (const auto& s : p.stacks) {
      uint32_t node = 0;
      charge(node, s.cost, traced_side, s.frames.empty());
      for (size_t i = 0; i < s.frames.size(); ++i) {
        node = child(node, ids[s.frames[i]]);
        charge(node, s.cost, traced_side, i + 1 == s.frames.size());
      }
    }
  }

  // Children in name order, so that the same tree always draws the same.
  void finish() {
    for (auto& n : tree_.nodes) {
      std::sort(n.children.begin(), n.children.end(),
                [&](uint32_t a, uint32_t b) { return tree_.nodes[a].name < tree_.nodes[b].name; });
    }
  }

 private:
  uint32_t name_id(const std::string& name) {
    auto [it, added] = names_.emplace(name, uint32_t(name_list_.size()));
    if (added) name_list_.push_back(name);
    return it->second;
  }

  uint32_t child(uint32_t parent, uint32_t name) {
    uint64_t key = uint64_t(parent) << 32 | name;
    auto it = children_.find(key);
    if (it != children_.end()) return it->second;
    auto id = uint32_t(tree_.nodes.size());
    FlameTree::Node n;
    n.name = name_list_[name];
    n.depth = tree_.nodes[parent].depth + 1;
    tree_.max_depth = std::max(tree_.max_depth, n.depth);
    tree_.nodes.push_back(std::move(n));
    tree_.nodes[parent].children.push_back(id);
    children_.emplace(key, id);
    return id;
  }

  void charge(uint32_t node, const ProfileCost& cost, bool traced_side, bool leaf) {
    FlameTree::Node& n = tree_.nodes[node];
    (traced_side ? n.traced : n.untraced) += cost;
    if (leaf) (traced_side ? n.traced_self : n.untraced_self) += cost;
  }

  FlameTree& tree_;
  std::unordered_map<std::string, uint32_t> names_;
  std::vector<std::string> name_list_;
  std::unordered_map<uint64_t, uint32_t> children_;
};

}  // namespace

FlameTree flame_tree(const AggregateProfile& profile) {
  FlameTree tree;
  TreeBuilder b(tree);
  b.add(profile, true);
  b.finish();
  tree.traced_runs = profile.runs;
  tree.frequency_hz = profile.frequency_hz;
  return tree;
}

FlameTree diff_flame_tree(const ProfileDiff& diff) {
  FlameTree tree;
  TreeBuilder b(tree);
  b.add(diff.untraced, false);
  b.add(diff.traced, true);
  b.finish();
  tree.differential = true;
  tree.traced_runs = diff.traced.runs;
  tree.untraced_runs = diff.untraced.runs;
  tree.frequency_hz = diff.traced.frequency_hz;
  return tree;
}

}  // namespace spanbench
