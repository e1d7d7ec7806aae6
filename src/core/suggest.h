#pragma once

// "Did you mean ...?" for a mistyped name (an option, a command, a client):
// the closest candidate by edit distance, when it is close enough to be what
// the user meant.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench {

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of two neighbouring characters ("rnu" -> "run") cost 1 each.
inline size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The candidate closest to `word`, if it is within a third of the longer
// name's length (at least 1, at most 3 edits), or starts with `word` (a
// truncated name: "--sp" for "--sps"); leading dashes are ignored when
// measuring. Ties go to the first candidate.
inline std::optional<std::string> closest_match(std::string_view word,
                                                const std::vector<std::string>& candidates) {
  auto bare = [](std::string_view s) {
    while (!s.empty() && s.front() == '-') s.remove_prefix(1);
    return s;
  };
  const std::string_view w = bare(word);
  if (w.empty()) return std::nullopt;
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const auto& c : candidates) {
    const std::string_view b = bare(c);
    if (b.empty() || b == w) continue;
    const size_t limit = std::clamp<size_t>(std::max(w.size(), b.size()) / 3, 1, 3);
    size_t dist = edit_distance(w, b);
    const bool prefix = w.size() >= 2 && b.substr(0, w.size()) == w;
    if (dist > limit && !prefix) continue;
    if (prefix) dist = std::min(dist, limit);
    if (!best || dist < best_distance) {
      best = c;
      best_distance = dist;
    }
  }
  return best;
}

}  // namespace spanbench
