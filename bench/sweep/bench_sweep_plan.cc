// The sweep planner's own cost for a sweep of 10,000 planned runs (50
// clients x 10 rates x 10 repetitions x untraced + one mode): it runs once
// per sweep, resume and merge, so it must be negligible beside one run.
//
//   build/bench/sweep/bench_sweep_plan
#include <benchmark/benchmark.h>

#include "suites/sweep_plan.h"

namespace spanbench {
namespace {

SweepDefinition ten_thousand_runs() {
  SweepDefinition d;
  for (int c = 0; c < 50; ++c) d.clients.push_back("client-" + std::to_string(c));
  d.rates.clear();
  for (int r = 1; r <= 10; ++r) d.rates.push_back(1000.0 * r);
  d.modes = {"typical"};
  d.repetitions = 10;
  return d;
}

void BM_PlanWholeSweep(benchmark::State& state) {
  const SweepDefinition d = ten_thousand_runs();
  size_t runs = 0;
  for (auto _ : state) {
    SweepPlan p = plan_sweep(d);
    runs = p.run_count();
    benchmark::DoNotOptimize(p);
  }
  state.counters["planned_runs"] = double(runs);
}
BENCHMARK(BM_PlanWholeSweep)->Unit(benchmark::kMicrosecond);

void BM_PlanOneShardOf8(benchmark::State& state) {
  const SweepDefinition d = ten_thousand_runs();
  for (auto _ : state) {
    SweepPlan p = plan_sweep(d, {3, 8});
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_PlanOneShardOf8)->Unit(benchmark::kMicrosecond);

void BM_PlanId(benchmark::State& state) {
  const SweepDefinition d = ten_thousand_runs();
  for (auto _ : state) benchmark::DoNotOptimize(plan_id(d));
}
BENCHMARK(BM_PlanId)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace spanbench

BENCHMARK_MAIN();
