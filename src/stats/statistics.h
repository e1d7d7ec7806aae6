#pragma once

#include <vector>

namespace spanbench::stats {

// Summaries of repeated measurements, as plain functions over vectors (the
// shape of Google Benchmark's statistics.cc). An empty input gives 0.
double mean(const std::vector<double>& v);
double median(const std::vector<double>& v);
// Sample standard deviation (n - 1 in the denominator); 0 for fewer than 2.
double stddev(const std::vector<double>& v);

struct MannWhitneyResult {
  double u = 0;        // U of the first sample: pairs (a, b) with a > b, ties counting 1/2
  double p = 1;        // two-sided p-value
  bool exact = false;  // p from the exact distribution rather than the normal approximation
};

// Two-sided Mann-Whitney U test of whether `a` and `b` come from the same
// distribution. Small samples without ties (both under 8, as SciPy's
// "auto") get the exact p-value; otherwise the normal approximation with
// tie correction and continuity correction. Either sample empty: p = 1.
MannWhitneyResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);

// The same test forced to one method (for tests and for callers who must
// match another tool).
MannWhitneyResult mann_whitney_u_normal(const std::vector<double>& a, const std::vector<double>& b);
// Throws std::invalid_argument when the samples share a value.
MannWhitneyResult mann_whitney_u_exact(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace spanbench::stats
