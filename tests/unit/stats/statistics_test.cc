#include "stats/statistics.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace spanbench::stats
