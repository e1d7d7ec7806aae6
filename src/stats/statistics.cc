#include "stats/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace spanbench::stats {

double mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double median(const std::vector<double>& v) {
  if (v.empty()) return 0;
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  size_t n = s.size();
  return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  double m = mean(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / double(v.size() - 1));
}

double min(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

double max(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

Summary summarize(const std::vector<double>& v) {
  Summary s;
  s.n = v.size();
  s.median = median(v);
  s.mean = mean(v);
  s.sd = stddev(v);
  s.min = min(v);
  s.max = max(v);
  return s;
}

double normal_upper_quantile(double tail) {
  if (!(tail > 0 && tail < 1)) throw std::invalid_argument("tail probability must be in (0, 1)");
  // Bisection on P(Z > z) = erfc(z / sqrt 2) / 2, which falls as z rises:
  // exact to double precision in under 100 steps, and no table to get wrong.
  double lo = -40, hi = 40;
  for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
    double mid = (lo + hi) / 2;
    if (std::erfc(mid / std::sqrt(2.0)) / 2 > tail) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2;
}

namespace {

struct Ranking {
  double u1 = 0;        // U of the first sample
  double tie_term = 0;  // sum over tie groups of t^3 - t
  bool has_ties = false;
};

// Ranks the pooled sample (ties get their average rank) and derives U of `a`.
Ranking rank(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<std::pair<double, bool>> pooled;  // value, from a
  pooled.reserve(a.size() + b.size());
  for (double x : a) pooled.emplace_back(x, true);
  for (double x : b) pooled.emplace_back(x, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& l, const auto& r) { return l.first < r.first; });
  Ranking out;
  double rank_sum_a = 0;
  size_t i = 0;
  while (i < pooled.size()) {
    size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    double t = double(j - i);
    double avg_rank = (double(i + 1) + double(j)) / 2;  // ranks i+1 .. j
    for (size_t k = i; k < j; ++k) {
      if (pooled[k].second) rank_sum_a += avg_rank;
    }
    if (t > 1) {
      out.has_ties = true;
      out.tie_term += t * t * t - t;
    }
    i = j;
  }
  double n1 = double(a.size());
  out.u1 = rank_sum_a - n1 * (n1 + 1) / 2;
  return out;
}

// Number of orderings of n1 + n2 distinct values giving each U of the first
// sample, by the recurrence f(n1, n2, u) = f(n1 - 1, n2, u - n2) + f(n1, n2 - 1, u).
std::vector<double> exact_u_counts(size_t n1, size_t n2) {
  size_t max_u = n1 * n2;
  // table[i][j] is the distribution for sizes (i, j); built row by row.
  std::vector<std::vector<std::vector<double>>> table(n1 + 1,
                                                      std::vector<std::vector<double>>(n2 + 1));
  for (size_t i = 0; i <= n1; ++i) {
    for (size_t j = 0; j <= n2; ++j) {
      std::vector<double> d(i * j + 1, 0.0);
      if (i == 0 || j == 0) {
        d[0] = 1;
      } else {
        const auto& with_a_largest = table[i - 1][j];  // a's largest beats all j of b
        const auto& with_b_largest = table[i][j - 1];
        for (size_t u = 0; u < with_a_largest.size(); ++u) d[u + j] += with_a_largest[u];
        for (size_t u = 0; u < with_b_largest.size(); ++u) d[u] += with_b_largest[u];
      }
      table[i][j] = std::move(d);
    }
  }
  std::vector<double> out = std::move(table[n1][n2]);
  out.resize(max_u + 1, 0.0);
  return out;
}

}  // namespace

MannWhitneyResult mann_whitney_u_normal(const std::vector<double>& a,
                                        const std::vector<double>& b) {
  MannWhitneyResult r;
  if (a.empty() || b.empty()) return r;
  Ranking k = rank(a, b);
  r.u = k.u1;
  double n1 = double(a.size()), n2 = double(b.size()), n = n1 + n2;
  double mu = n1 * n2 / 2;
  double var = n1 * n2 / 12 * ((n + 1) - k.tie_term / (n * (n - 1)));
  if (var <= 0) return r;  // every value tied: no evidence of a difference
  double z = (std::abs(k.u1 - mu) - 0.5) / std::sqrt(var);
  r.p = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return r;
}

MannWhitneyResult mann_whitney_u_exact(const std::vector<double>& a, const std::vector<double>& b) {
  MannWhitneyResult r;
  r.exact = true;
  if (a.empty() || b.empty()) return r;
  Ranking k = rank(a, b);
  if (k.has_ties) throw std::invalid_argument("exact Mann-Whitney U needs samples without ties");
  r.u = k.u1;
  std::vector<double> counts = exact_u_counts(a.size(), b.size());
  double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  double u_small = std::min(k.u1, double(a.size() * b.size()) - k.u1);
  double tail = 0;
  for (size_t u = 0; double(u) <= u_small + 1e-9; ++u) tail += counts[u];
  r.p = std::min(1.0, 2 * tail / total);
  return r;
}

namespace {

constexpr size_t kExactIntervalLimit = 50;  // both samples under this: exact U (as R)

void check_confidence(double confidence) {
  if (!(confidence > 0 && confidence < 1)) {
    throw std::invalid_argument("confidence must be between 0 and 1, e.g. 0.95");
  }
}

// All m x n differences a_i - b_j, sorted, and their median.
std::vector<double> sorted_differences(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  d.reserve(a.size() * b.size());
  for (double x : a) {
    for (double y : b) d.push_back(x - y);
  }
  std::sort(d.begin(), d.end());
  return d;
}

// The interval [d_(k), d_(mn + 1 - k)] (1-based) of the sorted differences.
void set_interval(ShiftInterval& s, const std::vector<double>& d, size_t k) {
  k = std::clamp<size_t>(k, 1, (d.size() + 1) / 2);
  s.low = d[k - 1];
  s.high = d[d.size() - k];
}

ShiftInterval start(const std::vector<double>& a, const std::vector<double>& b,
                    std::vector<double>& d) {
  ShiftInterval s;
  if (a.empty() || b.empty()) return s;
  d = sorted_differences(a, b);
  s.defined = true;
  s.estimate = median(d);
  return s;
}

}  // namespace

ShiftInterval hodges_lehmann_exact(const std::vector<double>& a, const std::vector<double>& b,
                                   double confidence) {
  check_confidence(confidence);
  std::vector<double> d;
  ShiftInterval s = start(a, b, d);
  s.exact = true;
  if (!s.defined) return s;
  // P(d_(k) <= shift <= d_(mn+1-k)) = 1 - 2 P(U <= k - 1): take the largest
  // k whose interval keeps at least the asked confidence (R's qwilcox).
  std::vector<double> counts = exact_u_counts(a.size(), b.size());
  double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  double half_alpha = (1 - confidence) / 2;
  size_t k = 0;  // smallest q with P(U <= q) >= alpha / 2
  double cumulative = counts[0] / total;
  while (cumulative < half_alpha && k + 1 < counts.size()) cumulative += counts[++k] / total;
  if (k == 0) k = 1;  // too few values to reach the confidence: the full range
  double below = 0;   // P(U <= k - 1)
  for (size_t u = 0; u < k; ++u) below += counts[u] / total;
  set_interval(s, d, k);
  s.confidence = 1 - 2 * below;
  s.reached = s.confidence >= confidence - 1e-12;
  return s;
}

ShiftInterval hodges_lehmann_normal(const std::vector<double>& a, const std::vector<double>& b,
                                    double confidence) {
  check_confidence(confidence);
  std::vector<double> d;
  ShiftInterval s = start(a, b, d);
  if (!s.defined) return s;
  double m = double(a.size()), n = double(b.size()), total = m + n;
  double tie_term = rank(a, b).tie_term;
  double var = m * n / 12 * ((total + 1) - tie_term / (total * (total - 1)));
  if (var <= 0) {  // every value tied: the differences are all 0
    s.low = s.high = s.estimate;
    s.confidence = 1;
    s.reached = true;
    return s;
  }
  double sigma = std::sqrt(var);
  // P(U <= k - 1) ~ Phi((k - 1 + 0.5 - mn/2) / sigma) <= alpha / 2.
  double z = normal_upper_quantile((1 - confidence) / 2);
  double k_real = std::floor(m * n / 2 - z * sigma + 0.5);
  size_t k = k_real < 1 ? 1 : size_t(k_real);
  set_interval(s, d, k);
  double below = std::erfc(-((double(k) - 0.5 - m * n / 2) / sigma) / std::sqrt(2.0)) / 2;
  s.confidence = 1 - 2 * below;
  s.reached = s.confidence >= confidence - 1e-12;
  return s;
}

ShiftInterval hodges_lehmann(const std::vector<double>& a, const std::vector<double>& b,
                             double confidence) {
  if (a.size() < kExactIntervalLimit && b.size() < kExactIntervalLimit && !a.empty() &&
      !b.empty() && !rank(a, b).has_ties) {
    return hodges_lehmann_exact(a, b, confidence);
  }
  return hodges_lehmann_normal(a, b, confidence);
}

MannWhitneyResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty()) return {};
  if (a.size() < 8 && b.size() < 8 && !rank(a, b).has_ties) return mann_whitney_u_exact(a, b);
  return mann_whitney_u_normal(a, b);
}

}  // namespace spanbench::stats
