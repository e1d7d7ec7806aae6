#pragma once

// Folded stacks, the text format of sampled profiles that flame graph tools
// share: one line per distinct stack, `root;caller;...;leaf COUNT`, where
// COUNT is the number of samples taken in that stack (docs/profiling.md).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace spanbench {

// One distinct stack: frame ids (into FoldedStacks::frame_names), root
// first, and how many samples landed in it.
struct FoldedStack {
  std::vector<uint32_t> frames;
  int64_t samples = 0;
};

// The stacks of one profile, each frame name stored once.
class FoldedStacks {
 public:
  // The id of `name`, adding it when new.
  uint32_t intern(std::string_view name);
  const std::string& name(uint32_t id) const { return names_[id]; }
  size_t frame_count() const { return names_.size(); }
  // Adds `samples` to the stack of these frames (root first), merging it
  // with an equal stack already there; returns the stack's index.
  size_t add(const std::vector<uint32_t>& frames, int64_t samples);
  const std::vector<FoldedStack>& stacks() const { return stacks_; }
  int64_t total_samples() const { return total_samples_; }
  // The folded text of these stacks (one line each, in the order added).
  std::string to_text() const;

 private:
  struct VectorHash {
    size_t operator()(const std::vector<uint32_t>& v) const;
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<FoldedStack> stacks_;
  std::unordered_map<std::vector<uint32_t>, size_t, VectorHash> stack_index_;
  int64_t total_samples_ = 0;
};

// What reading folded stacks accepts at most: a file larger than this, or a
// line, a stack or a count beyond these, is an error rather than a process
// that grows until the machine runs out of memory.
struct FoldedLimits {
  size_t max_bytes = size_t{256} << 20;
  size_t max_line_bytes = size_t{1} << 20;
  size_t max_depth = 2048;
  size_t max_stacks = 1'000'000;
  int64_t max_samples_per_line = int64_t{1} << 40;
};

// Parses folded text. Blank lines are skipped; every other line must be a
// stack of non-empty frames, a space, and a whole number of samples. Throws
// UsageError "SOURCE:LINE: what is wrong" on the first line that is not,
// and when a limit is passed.
FoldedStacks parse_folded(std::string_view text, const std::string& source,
                          const FoldedLimits& limits = {});

// Reads and parses `file`; throws UsageError naming it when it cannot be
// read, is larger than limits.max_bytes, or holds a malformed line.
FoldedStacks read_folded(const std::filesystem::path& file, const FoldedLimits& limits = {});

}  // namespace spanbench
