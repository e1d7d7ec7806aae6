#include "controller/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace spanbench {
namespace {

Calibration example() {
  Calibration c;
  c.client = "x";
  c.target_cpu = 0.7;
  c.work_ns_per_unit = 0.5;
  c.span_overhead_ns = 1000;
  c.startup_cpu_seconds = 0.01;
  c.startup_wall_seconds = 0.02;
  return c;
}

// Simulates the client's sleep-debt rule exactly as docs/protocol.md states it.
int64_t simulated_sleeps(const RunPlan& p) {
  int64_t debt = 0, sleeps = 0;
  for (int64_t i = 0; i < p.repeat; ++i) {
    debt += p.sleep_ns;
    if (debt > p.sleep_interval_ns) {
      debt -= p.sleep_interval_ns;
      ++sleeps;
    }
  }
  return sleeps;
}

TEST(Calibration, PlanHitsTargetCpuAndRuntime) {
  Calibration c = example();
  RunPlan p = plan_run(c, 500, 10);
  EXPECT_EQ(p.repeat, 5000);
  // CPU: 0.7 of the loop's 10 s, spread over 5000 spans (start-up is not the loop's).
  double loop_cpu_ns = 5000 * (c.span_overhead_ns + double(p.work) * c.work_ns_per_unit);
  EXPECT_NEAR(loop_cpu_ns / 1e9 / 10, 0.7, 1e-4);
  EXPECT_NEAR(p.expected_cpu, 0.7, 1e-4);
  EXPECT_NEAR(p.expected_loop_cpu_seconds, loop_cpu_ns / 1e9, 1e-9);
  // Wall: loop CPU + every interval slept = runtime.
  int64_t sleeps = simulated_sleeps(p);
  EXPECT_EQ(sleeps, p.sleeps);
  double wall = loop_cpu_ns / 1e9 + double(sleeps) * double(p.sleep_interval_ns) / 1e9;
  EXPECT_NEAR(wall, 10.0, 1e-3);
  // Sleeps come in intervals near 100 ms.
  EXPECT_NEAR(double(p.sleep_interval_ns), 1e8, 1e7);
}

TEST(Calibration, PlanUsesTheFitForItsRateOnly) {
  Calibration c = example();
  RateFit f;
  f.spans_per_second = 1000;
  f.cpu_scale = 1.25;
  f.sleep_overshoot_ns = 1e6;
  c.rates.push_back(f);
  RunPlan plain = plan_run(c, 999, 2);
  RunPlan fitted = plan_run(c, 1000, 2);
  // The fitted rate does less Work per span (its spans cost 25% more than
  // modelled) and shortens each sleep by the overshoot.
  EXPECT_NEAR(double(fitted.work) / double(plain.work),
              (0.7e9 * 2 / 2000 / 1.25 - 1000) / (0.7e9 * 2 / 1998 - 1000), 1e-3);
  EXPECT_NEAR(fitted.expected_cpu, 0.7, 1e-4);
  int64_t sleeps = simulated_sleeps(fitted);
  double wall = fitted.expected_loop_cpu_seconds +
                double(sleeps) * (double(fitted.sleep_interval_ns) + 1e6) / 1e9;
  EXPECT_NEAR(wall, 2.0, 1e-3);
}

TEST(Calibration, NoSleepDebtIsLeftUnslept) {
  Calibration c = example();
  for (double sps : {1.0, 7.0, 100.0, 333.0, 1000.0, 10000.0}) {
    for (double runtime : {0.5, 1.0, 3.0, 10.0}) {
      RunPlan p = plan_run(c, sps, runtime);
      int64_t sleeps = simulated_sleeps(p);
      double unslept_ns =
          double(p.repeat) * double(p.sleep_ns) - double(sleeps) * double(p.sleep_interval_ns);
      EXPECT_GE(unslept_ns, 0) << sps << " " << runtime;
      EXPECT_LE(unslept_ns, double(p.repeat) + 1) << sps << " " << runtime;
    }
  }
}

TEST(Calibration, OverheadBeyondBudgetGivesZeroWorkAndSaysSo) {
  Calibration c = example();
  c.span_overhead_ns = 200'000;  // 0.2 ms per span: 10,000 sps needs 2 cores
  RunPlan p = plan_run(c, 10000, 1);
  EXPECT_EQ(p.work, 0);
  EXPECT_GT(p.expected_cpu, 1.0);
  EXPECT_EQ(p.sleep_ns, 0);
}

TEST(Calibration, RejectsNonPositiveRates) {
  EXPECT_THROW(plan_run(example(), 0, 10), UsageError);
  EXPECT_THROW(plan_run(example(), 10, -1), UsageError);
}

TEST(Calibration, FitsCostModelFromLoopProbes) {
  Calibration c;
  // Truth: 0.8 ns per unit, 500 ns per span; the probes measure the loop alone.
  double work_probe = 100 * (500e-9 + 1e6 * 0.8e-9);
  double span_probe = 200000 * 500e-9;
  fit_cost_model(c, work_probe, 100, 1'000'000, span_probe, 200000);
  EXPECT_NEAR(c.work_ns_per_unit, 0.8, 1e-6);
  EXPECT_NEAR(c.span_overhead_ns, 500, 1e-3);
  EXPECT_NEAR(c.sleep_ns_per_work_unit(), 0.8 * 0.3 / 0.7, 1e-9);
}

TEST(Calibration, VerificationConvergesOnASimulatedClient) {
  // A client whose spans cost 15% more than the probes said when spread
  // out between sleeps, and whose every sleep oversleeps by 80 us.
  Calibration c = example();
  RateFit fit;
  fit.spans_per_second = 1000;
  c.rates.push_back(fit);
  auto simulate = [&](const RunPlan& p, double& cpu, double& wall) {
    cpu = p.expected_loop_cpu_seconds / c.fit_for(1000)->cpu_scale * 1.15;
    wall = cpu + double(simulated_sleeps(p)) * (double(p.sleep_interval_ns) + 80e3) / 1e9;
  };
  bool ok = false;
  for (int i = 0; i < 4 && !ok; ++i) {
    RunPlan p = plan_run(c, 1000, 2);
    double cpu, wall;
    simulate(p, cpu, wall);
    ok = verify_and_correct(c, *c.fit_for(1000), p, 2.0, cpu, wall);
  }
  const RateFit& f = *c.fit_for(1000);
  EXPECT_TRUE(ok);
  EXPECT_TRUE(f.converged);
  EXPECT_LE(f.iterations, 3);
  EXPECT_NEAR(f.cpu_scale, 1.15, 0.01);
  EXPECT_NEAR(f.sleep_overshoot_ns, 80e3, 8e3);
  EXPECT_LE(std::abs(f.cpu_error_points), 0.5);
  EXPECT_LE(std::abs(f.rate_error), 0.01);
}

TEST(Calibration, VerificationWithinToleranceChangesNothing) {
  Calibration c = example();
  RateFit fit;
  fit.spans_per_second = 100;
  RunPlan p = plan_run(c, 100, 2);
  EXPECT_TRUE(verify_and_correct(c, fit, p, 2.0, 0.7 * 2.0 * 1.004, 2.0 * 1.005));
  EXPECT_EQ(fit.iterations, 1);
  EXPECT_DOUBLE_EQ(fit.cpu_scale, 1.0);
  EXPECT_DOUBLE_EQ(fit.sleep_overshoot_ns, 0.0);
  EXPECT_NEAR(fit.rate_error, 1 / 1.005 - 1, 1e-9);
}

TEST(Calibration, FileHoldsOneCalibrationPerClientAndTarget) {
  auto file = std::filesystem::temp_directory_path() / "spanbench-cal-test.json";
  std::filesystem::remove(file);
  Calibration a = example();
  RateFit f;
  f.spans_per_second = 100;
  f.cpu_scale = 1.1;
  a.rates.push_back(f);
  save_calibration(a, file);
  Calibration b = example();
  b.client = "y";
  save_calibration(b, file);
  a.rates.push_back(RateFit{1000, 0.9, 5, 2, 0.1, 0.002, true, 3.0});
  save_calibration(a, file);  // replaces x, keeps y
  auto all = load_calibrations(file);
  ASSERT_EQ(all.size(), 2u);
  auto x = find_calibration(file, "x", 0.7);
  ASSERT_TRUE(x.has_value());
  ASSERT_EQ(x->rates.size(), 2u);
  EXPECT_DOUBLE_EQ(x->fit_for(1000)->cpu_scale, 0.9);
  EXPECT_EQ(x->fit_for(500), nullptr);
  EXPECT_FALSE(find_calibration(file, "x", 0.5).has_value());
  EXPECT_TRUE(find_calibration(file, "y", 0.7).has_value());
  std::filesystem::remove(file);
}

TEST(Calibration, JsonRoundTripAndValidation) {
  Calibration c = example();
  c.rates.push_back(RateFit{100, 1.2, 55, 3, -0.3, 0.004, true, 2.5});
  Calibration back = calibration_from_json(to_json(c));
  EXPECT_EQ(back.client, "x");
  EXPECT_DOUBLE_EQ(back.work_ns_per_unit, 0.5);
  ASSERT_NE(back.fit_for(100), nullptr);
  EXPECT_DOUBLE_EQ(back.fit_for(100)->sleep_overshoot_ns, 55);
  EXPECT_EQ(back.fit_for(100)->iterations, 3);
  auto j = to_json(c);
  j["work_ns_per_unit"] = -1;
  EXPECT_THROW(calibration_from_json(j), Error);
  j.erase("client");
  EXPECT_THROW(calibration_from_json(j), Error);
}

}  // namespace
}  // namespace spanbench
