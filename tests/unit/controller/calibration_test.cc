#include "controller/calibration.h"

#include <gtest/gtest.h>

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
  // CPU: 0.7 * 10 s minus start-up, spread over 5000 spans.
  double loop_cpu_ns = 5000 * (c.span_overhead_ns + double(p.work) * c.work_ns_per_unit);
  EXPECT_NEAR((loop_cpu_ns / 1e9 + c.startup_cpu_seconds) / 10, 0.7, 1e-4);
  EXPECT_NEAR(p.expected_cpu, 0.7, 1e-4);
  // Wall: loop CPU + every interval slept + start-up = runtime.
  int64_t sleeps = simulated_sleeps(p);
  double wall = loop_cpu_ns / 1e9 + double(sleeps) * double(p.sleep_interval_ns) / 1e9 +
                c.startup_wall_seconds;
  EXPECT_NEAR(wall, 10.0, 1e-3);
  // Sleeps come in intervals near 100 ms.
  EXPECT_NEAR(double(p.sleep_interval_ns), 1e8, 1e7);
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

TEST(Calibration, FitsCostModelFromProbes) {
  Calibration c;
  // Truth: 0.8 ns per unit, 500 ns per span, 5 ms start-up.
  double startup = 0.005;
  double work_probe = startup + 100 * (500e-9 + 1e6 * 0.8e-9);
  double span_probe = startup + 200000 * 500e-9;
  fit_cost_model(c, startup, work_probe, 100, 1'000'000, span_probe, 200000);
  EXPECT_NEAR(c.work_ns_per_unit, 0.8, 1e-6);
  EXPECT_NEAR(c.span_overhead_ns, 500, 1e-3);
  EXPECT_DOUBLE_EQ(c.startup_cpu_seconds, startup);
  EXPECT_NEAR(c.sleep_ns_per_work_unit(), 0.8 * 0.3 / 0.7, 1e-9);
}

TEST(Calibration, VerificationCorrectsCpuAndWall) {
  Calibration c = example();
  RunPlan p = plan_run(c, 1000, 2);
  double predicted_loop =
      double(p.repeat) * (c.span_overhead_ns + double(p.work) * c.work_ns_per_unit) / 1e9;
  // The run used 10% more loop CPU than modelled and took 50 ms longer than that explains.
  double cpu = c.startup_cpu_seconds + predicted_loop * 1.1;
  double wall = 2.0 + predicted_loop * 0.1 + 0.05;
  Calibration corrected = c;
  correct_from_verification(corrected, p, 2.0, cpu, wall);
  EXPECT_NEAR(corrected.work_ns_per_unit, c.work_ns_per_unit * 1.1, 1e-9);
  int64_t sleeps = simulated_sleeps(p);
  ASSERT_GT(sleeps, 0);
  EXPECT_NEAR(corrected.sleep_overshoot_ns, 0.05e9 / double(sleeps), 1.0);
  // Re-planned with the corrected model, the run again predicts the target.
  RunPlan again = plan_run(corrected, 1000, 2);
  EXPECT_NEAR(again.expected_cpu, 0.7, 1e-3);
  EXPECT_LT(again.work, p.work);
}

TEST(Calibration, JsonRoundTripAndValidation) {
  Calibration c = example();
  c.sleep_overshoot_ns = 55;
  Calibration back = calibration_from_json(to_json(c));
  EXPECT_EQ(back.client, "x");
  EXPECT_DOUBLE_EQ(back.work_ns_per_unit, 0.5);
  EXPECT_DOUBLE_EQ(back.sleep_overshoot_ns, 55);
  auto j = to_json(c);
  j["work_ns_per_unit"] = -1;
  EXPECT_THROW(calibration_from_json(j), Error);
  j.erase("client");
  EXPECT_THROW(calibration_from_json(j), Error);
}

}  // namespace
}  // namespace spanbench
