#include "stats/statistics.h"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

namespace spanbench::stats {
namespace {

TEST(Statistics, MeanMedianStddevOfTextbookSample) {
  // The classic sample with population sd 2: sample sd = sqrt(32 / 7).
  std::vector<double> v = {2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(mean(v), 5.0);
  EXPECT_DOUBLE_EQ(median(v), 4.5);
  EXPECT_NEAR(stddev(v), 2.1380899352993952, 1e-12);
}

TEST(Statistics, MedianOfOddCountIgnoresOrder) {
  EXPECT_DOUBLE_EQ(median({9, 1, 5}), 5.0);
  EXPECT_DOUBLE_EQ(median({3}), 3.0);
}

TEST(Statistics, EmptyAndSingleInputsGiveZero) {
  EXPECT_EQ(mean({}), 0.0);
  EXPECT_EQ(median({}), 0.0);
  EXPECT_EQ(stddev({}), 0.0);
  EXPECT_EQ(stddev({42}), 0.0);
}

// SciPy's documented example (mannwhitneyu): ages of males and females.
TEST(MannWhitney, ScipyExampleExact) {
  std::vector<double> males = {19, 22, 16, 29, 24}, females = {20, 11, 17, 12};
  MannWhitneyResult r = mann_whitney_u(males, females);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 17.0);
  EXPECT_NEAR(r.p, 0.1111111111111111, 1e-12);  // 2 * 7 / 126
}

TEST(MannWhitney, ScipyExampleNormalApproximation) {
  std::vector<double> males = {19, 22, 16, 29, 24}, females = {20, 11, 17, 12};
  MannWhitneyResult r = mann_whitney_u_normal(males, females);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 17.0);
  EXPECT_NEAR(r.p, 0.11134688653314041, 1e-12);
}

TEST(MannWhitney, CompletelySeparatedSamples) {
  // U = 0; exact: 2 of the C(10,5) = 252 orderings are as extreme.
  std::vector<double> a = {1, 2, 3, 4, 5}, b = {6, 7, 8, 9, 10};
  MannWhitneyResult exact = mann_whitney_u(a, b);
  EXPECT_TRUE(exact.exact);
  EXPECT_DOUBLE_EQ(exact.u, 0.0);
  EXPECT_NEAR(exact.p, 2.0 / 252, 1e-12);
  // Normal: mu = 12.5, sigma = sqrt(25 * 11 / 12), z = 12 / sigma.
  MannWhitneyResult normal = mann_whitney_u_normal(a, b);
  EXPECT_NEAR(normal.p, 0.012185780355344818, 1e-12);
  // Swapping the samples mirrors U and keeps p.
  MannWhitneyResult swapped = mann_whitney_u(b, a);
  EXPECT_DOUBLE_EQ(swapped.u, 25.0);
  EXPECT_NEAR(swapped.p, exact.p, 1e-12);
}

TEST(MannWhitney, TiesUseTheCorrectedVariance) {
  // By hand: U = 7 (pairs a > b, ties 1/2). Tie groups 2, 3, 4 (three each)
  // and 6 (two): sum t^3 - t = 78; var = 42/12 * (14 - 78/156) = 47.25;
  // z = (|7 - 21| - 0.5) / sqrt(47.25) = 1.9640; p = erfc(z / sqrt 2).
  std::vector<double> a = {1, 2, 2, 3, 3, 4}, b = {2, 3, 4, 4, 5, 6, 6};
  MannWhitneyResult r = mann_whitney_u(a, b);
  EXPECT_FALSE(r.exact);  // ties: normal approximation
  EXPECT_DOUBLE_EQ(r.u, 7.0);
  EXPECT_NEAR(r.p, 0.04953461343562674, 1e-12);
}

TEST(MannWhitney, IdenticalSamplesAreNotDifferent) {
  MannWhitneyResult r = mann_whitney_u({0, 0, 0, 0}, {0, 0, 0});
  EXPECT_DOUBLE_EQ(r.p, 1.0);
  EXPECT_DOUBLE_EQ(r.u, 6.0);  // every pair tied: 12 / 2
  EXPECT_DOUBLE_EQ(mann_whitney_u({1, 2, 3}, {1, 2, 3}).p, 1.0);
}

TEST(MannWhitney, LargeSamplesUseTheNormalApproximation) {
  std::vector<double> a, b;
  for (int i = 0; i < 10; ++i) {
    a.push_back(i);
    b.push_back(i + 100);
  }
  MannWhitneyResult r = mann_whitney_u(a, b);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 0.0);
  // mu = 50, sigma = sqrt(100 * 21 / 12); z = 49.5 / sigma.
  EXPECT_NEAR(r.p, 0.0001826717911095504, 1e-12);
}

TEST(MannWhitney, ExactRefusesTies) {
  EXPECT_THROW(mann_whitney_u_exact({1, 2}, {2, 3}), std::invalid_argument);
}

TEST(MannWhitney, EmptySampleGivesNoEvidence) {
  EXPECT_DOUBLE_EQ(mann_whitney_u({}, {1, 2}).p, 1.0);
}

TEST(Statistics, SummaryHasMinMaxAndTheRest) {
  Summary s = summarize({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.sd, 2.1380899352993952, 1e-12);
  EXPECT_DOUBLE_EQ(s.min, 2.0);
  EXPECT_DOUBLE_EQ(s.max, 9.0);
  Summary empty = summarize({});
  EXPECT_EQ(empty.n, 0u);
  EXPECT_EQ(empty.min, 0.0);
  EXPECT_EQ(empty.max, 0.0);
}

TEST(Statistics, NormalQuantiles) {
  // Python: statistics.NormalDist().inv_cdf(0.975) and (0.95).
  EXPECT_NEAR(normal_upper_quantile(0.025), 1.9599639845400536, 1e-12);
  EXPECT_NEAR(normal_upper_quantile(0.05), 1.6448536269514715, 1e-12);
  EXPECT_NEAR(normal_upper_quantile(0.5), 0.0, 1e-12);
  EXPECT_THROW(normal_upper_quantile(0), std::invalid_argument);
}

// Expected values below come from a reference that enumerates every split
// of the pooled ranks to get the U distribution (no recurrence) and applies
// R's wilcox.test(conf.int = TRUE) rule: k = the smallest q with
// P(U <= q) >= alpha / 2 (at least 1), interval [d_(k), d_(mn+1-k)],
// confidence 1 - 2 P(U <= k - 1).
void expect_interval(const ShiftInterval& s, double estimate, double low, double high,
                     double confidence) {
  EXPECT_TRUE(s.defined);
  EXPECT_NEAR(s.estimate, estimate, 1e-12);
  EXPECT_NEAR(s.low, low, 1e-12);
  EXPECT_NEAR(s.high, high, 1e-12);
  EXPECT_NEAR(s.confidence, confidence, 1e-12);
}

TEST(HodgesLehmann, ScipyExampleExactAndNormal) {
  std::vector<double> males = {19, 22, 16, 29, 24}, females = {20, 11, 17, 12};
  ShiftInterval e = hodges_lehmann(males, females);
  EXPECT_TRUE(e.exact);
  EXPECT_TRUE(e.reached);
  // 20 differences, median 7. P(U <= 2) = 4/126 is the first to reach
  // 0.025, so k = 2 and the confidence is 1 - 2 P(U <= 1) = 1 - 2 * 2/126.
  expect_interval(e, 7, -1, 17, 0.96825396825396826);
  ShiftInterval n = hodges_lehmann_normal(males, females);
  EXPECT_FALSE(n.exact);
  expect_interval(n, 7, -1, 17, 0.96266358407933705);
  EXPECT_FALSE(e.excludes_zero());
}

TEST(HodgesLehmann, SevenAgainstSixExcludesZero) {
  std::vector<double> traced = {71.2, 70.4, 72.8, 69.9, 73.1, 70.8, 71.7};
  std::vector<double> untraced = {68.3, 69.1, 70.2, 67.5, 68.8, 69.6};
  ShiftInterval e = hodges_lehmann(traced, untraced);
  EXPECT_TRUE(e.exact);
  expect_interval(e, 2.4500000000000028, 1, 4, 0.965034965034965);
  EXPECT_TRUE(e.excludes_zero());
  EXPECT_FALSE(e.below_zero());
  // Swapping the samples mirrors the interval.
  ShiftInterval m = hodges_lehmann(untraced, traced);
  expect_interval(m, -2.4500000000000028, -4, -1, 0.965034965034965);
  EXPECT_TRUE(m.below_zero());
  expect_interval(hodges_lehmann_normal(traced, untraced), 2.4500000000000028, 1, 4,
                  0.96168123685058637);
}

TEST(HodgesLehmann, FourASideIsTheFewestThatReach95Percent) {
  // 4 a side: only [min, max] of the 16 differences, at 1 - 2/70.
  ShiftInterval four = hodges_lehmann({1.5, 3.2, 4.1, 2.7}, {0.3, 1.1, 2.2, 0.9});
  expect_interval(four, 1.85, -0.7, 3.8, 0.97142857142857142);
  EXPECT_TRUE(four.reached);
  // 3 a side cannot: the full range has 90% (1 - 2/20); 2 a side 2/3.
  ShiftInterval three = hodges_lehmann({5.5, 6.1, 7.3}, {1.0, 2.5, 6.0});
  expect_interval(three, 3.6, -0.5, 6.3, 0.9);
  EXPECT_FALSE(three.reached);
  ShiftInterval two = hodges_lehmann({5, 6}, {1, 2});
  expect_interval(two, 4, 3, 5, 2.0 / 3);
  EXPECT_FALSE(two.reached);
}

TEST(HodgesLehmann, TiesUseTheNormalApproximation) {
  std::vector<double> a = {1, 2, 2, 3, 3, 4}, b = {2, 3, 4, 4, 5, 6, 6};
  ShiftInterval s = hodges_lehmann(a, b);
  EXPECT_FALSE(s.exact);
  // Tie-corrected variance 47.25 (as in the Mann-Whitney test above).
  expect_interval(s, -2, -3, 0, 0.95046538656437329);
}

TEST(HodgesLehmann, ExactAndNormalAgreeOnTwelveAgainstTen) {
  std::vector<double> a, b;
  for (int i = 0; i < 12; ++i) a.push_back(0.1 * i);
  for (int i = 0; i < 10; ++i) b.push_back(0.1 * i + 0.35);
  expect_interval(hodges_lehmann_exact(a, b), -0.25, -0.55000000000000004, 0.050000000000000044,
                  0.95742956733668805);
  expect_interval(hodges_lehmann_normal(a, b), -0.25, -0.55000000000000004, 0.050000000000000044,
                  0.95568620771683388);
}

TEST(HodgesLehmann, IdenticalConstantSamplesGiveAZeroWidthInterval) {
  ShiftInterval s = hodges_lehmann({3, 3, 3, 3, 3}, {3, 3, 3, 3, 3});
  expect_interval(s, 0, 0, 0, 1);
  EXPECT_FALSE(s.excludes_zero());
}

TEST(HodgesLehmann, EmptySampleIsUndefinedAndBadConfidenceThrows) {
  EXPECT_FALSE(hodges_lehmann({}, {1, 2}).defined);
  EXPECT_FALSE(hodges_lehmann({1}, {}).excludes_zero());
  EXPECT_THROW(hodges_lehmann({1}, {2}, 1.0), std::invalid_argument);
  EXPECT_THROW(hodges_lehmann({1}, {2}, 0.0), std::invalid_argument);
}

// The interval does what it claims: over many pairs of samples with a known
// shift, it holds the shift at least as often as its stated confidence
// (exact: 10 a side, 95.7%; normal: 60 a side), and a wrong shift rarely.
TEST(HodgesLehmann, CoversTheTrueShiftAtItsConfidence) {
  std::mt19937_64 rng(20261129);
  std::normal_distribution<double> noise(0.0, 1.0);
  for (size_t n : {size_t(10), size_t(60)}) {
    const double shift = 0.8;
    const int trials = 1500;
    int covered = 0, zero_excluded = 0;
    double confidence = 0;
    for (int t = 0; t < trials; ++t) {
      std::vector<double> a, b;
      for (size_t i = 0; i < n; ++i) a.push_back(70 + shift + noise(rng));
      for (size_t i = 0; i < n; ++i) b.push_back(70 + noise(rng));
      ShiftInterval s = hodges_lehmann(a, b);
      EXPECT_EQ(s.exact, n < 50);
      confidence = s.confidence;
      covered += s.low <= shift && shift <= s.high;
      zero_excluded += s.excludes_zero();
    }
    double rate = double(covered) / trials;
    // Binomial sd at 1500 trials is 0.0055: four of them either way.
    EXPECT_NEAR(rate, confidence, 0.022) << n << " a side";
    EXPECT_GE(confidence, 0.95);
    // A shift of 0.8 sd: power about 0.4 with 10 a side, 0.99 with 60.
    EXPECT_GT(double(zero_excluded) / trials, n == 10 ? 0.3 : 0.95) << n << " a side";
  }
}

}  // namespace
}  // namespace spanbench::stats
