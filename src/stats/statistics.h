#pragma once

#include <cstddef>
#include <vector>

namespace spanbench::stats {

// Summaries of repeated measurements, as plain functions over vectors (the
// shape of Google Benchmark's statistics.cc). An empty input gives 0.
double mean(const std::vector<double>& v);
double median(const std::vector<double>& v);
// Sample standard deviation (n - 1 in the denominator); 0 for fewer than 2.
double stddev(const std::vector<double>& v);
double min(const std::vector<double>& v);
double max(const std::vector<double>& v);

// The five figures `run --repeat` prints per metric.
struct Summary {
  std::size_t n = 0;
  double median = 0;
  double mean = 0;
  double sd = 0;  // sample standard deviation
  double min = 0;
  double max = 0;
};
Summary summarize(const std::vector<double>& v);

// The upper quantile of the standard normal distribution: z with
// P(Z > z) = tail (1.959964 for 0.025).
double normal_upper_quantile(double tail);

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

// How far `a` lies above `b` (a - b), with a distribution-free confidence
// interval: the Hodges-Lehmann estimate (the median of all m x n pairwise
// differences) and the interval between two order statistics of those
// differences read off the Mann-Whitney U distribution (Bauer 1972; what
// R's wilcox.test(conf.int = TRUE) gives).
struct ShiftInterval {
  bool defined = false;  // false when either sample is empty
  double estimate = 0;
  double low = 0;
  double high = 0;
  // The confidence the interval really has. Discrete U means it is at least
  // the one asked for, except when the samples are too small to reach it
  // (fewer than 4 a side for 95%): then [min, max] of the differences and
  // its lower confidence.
  double confidence = 0;
  bool reached = false;  // confidence >= the one asked for
  bool exact = false;    // from the exact U distribution, not the normal approximation

  bool excludes_zero() const { return defined && (low > 0 || high < 0); }
  bool below_zero() const { return defined && high < 0; }
  // Below zero at the confidence asked for, not a lower one.
  bool surely_below_zero() const { return reached && below_zero(); }
};

// Exact when both samples have fewer than 50 values and the pooled values
// have no ties (as R); otherwise the normal approximation with the
// tie-corrected variance and a continuity correction. `confidence` is in
// (0, 1); anything else throws std::invalid_argument.
ShiftInterval hodges_lehmann(const std::vector<double>& a, const std::vector<double>& b,
                             double confidence = 0.95);
// Forced to one method. The exact one ignores ties (its confidence is then
// approximate).
ShiftInterval hodges_lehmann_exact(const std::vector<double>& a, const std::vector<double>& b,
                                   double confidence = 0.95);
ShiftInterval hodges_lehmann_normal(const std::vector<double>& a, const std::vector<double>& b,
                                    double confidence = 0.95);

}  // namespace spanbench::stats
