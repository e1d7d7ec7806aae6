#include "controller/calibration.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace spanbench {

nlohmann::json to_json(const Calibration& c) {
  return {
      {"client", c.client},
      {"target_cpu", c.target_cpu},
      {"work_ns_per_unit", c.work_ns_per_unit},
      {"work_units_per_second", c.work_units_per_second()},
      {"sleep_ns_per_work_unit", c.sleep_ns_per_work_unit()},
      {"span_overhead_ns", c.span_overhead_ns},
      {"startup_cpu_seconds", c.startup_cpu_seconds},
      {"startup_wall_seconds", c.startup_wall_seconds},
      {"sleep_overshoot_ns", c.sleep_overshoot_ns},
      {"calibration_seconds", c.calibration_seconds},
      {"probe_runs", c.probe_runs},
  };
}

Calibration calibration_from_json(const nlohmann::json& j) {
  Calibration c;
  try {
    c.client = j.at("client").get<std::string>();
    c.target_cpu = j.at("target_cpu").get<double>();
    c.work_ns_per_unit = j.at("work_ns_per_unit").get<double>();
    c.span_overhead_ns = j.at("span_overhead_ns").get<double>();
    c.startup_cpu_seconds = j.at("startup_cpu_seconds").get<double>();
    c.startup_wall_seconds = j.at("startup_wall_seconds").get<double>();
    c.sleep_overshoot_ns = j.value("sleep_overshoot_ns", 0.0);
    c.calibration_seconds = j.value("calibration_seconds", 0.0);
    c.probe_runs = j.value("probe_runs", 0);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("calibration JSON is missing a field or has a wrong type: ") +
                e.what());
  }
  if (!(c.work_ns_per_unit > 0) || !(c.target_cpu > 0 && c.target_cpu <= 1)) {
    throw Error("calibration has a non-positive work cost or a target CPU outside (0, 1]");
  }
  return c;
}

Calibration load_calibration(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot read calibration file " + file.string());
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    throw Error("calibration file " + file.string() + " is not JSON: delete it to recalibrate");
  }
  return calibration_from_json(j);
}

void save_calibration(const Calibration& c, const std::filesystem::path& file) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file);
  out << to_json(c).dump(2) << "\n";
  if (!out) throw Error("cannot write calibration file " + file.string());
}

RunPlan plan_run(const Calibration& c, double spans_per_second, double runtime_seconds,
                 int64_t preferred_interval_ns) {
  if (!(spans_per_second > 0) || !(runtime_seconds > 0)) {
    throw UsageError("spans per second and runtime must be positive");
  }
  RunPlan p;
  p.repeat = std::max<int64_t>(1, std::llround(spans_per_second * runtime_seconds));
  const double n = double(p.repeat);

  // CPU the loop may use: the target share of the runtime, less start/exit.
  const double loop_cpu_ns =
      std::max(0.0, (c.target_cpu * runtime_seconds - c.startup_cpu_seconds) * 1e9);
  const double work_ns_per_span = loop_cpu_ns / n - c.span_overhead_ns;
  p.work = std::max<int64_t>(0, std::llround(work_ns_per_span / c.work_ns_per_unit));
  const double loop_ns = n * (c.span_overhead_ns + double(p.work) * c.work_ns_per_unit);
  p.expected_cpu = (loop_ns / 1e9 + c.startup_cpu_seconds) / runtime_seconds;

  // The rest of the runtime is sleep, taken in k equal intervals.
  const double sleep_total_ns = runtime_seconds * 1e9 - c.startup_wall_seconds * 1e9 - loop_ns;
  if (sleep_total_ns <= 0) {
    p.sleep_ns = 0;
    p.sleep_interval_ns = preferred_interval_ns;
    return p;
  }
  int64_t k = std::max<int64_t>(1, std::llround(sleep_total_ns / double(preferred_interval_ns)));
  k = std::min<int64_t>(k, p.repeat);  // at most one sleep per span
  const double interval = sleep_total_ns / double(k) - c.sleep_overshoot_ns;
  p.sleep_interval_ns = std::max<int64_t>(1, std::llround(interval));
  // Debt after n spans is k*interval + d with 0 < d <= n <= interval, so
  // the client sleeps exactly k times and leaves less than one ns per span.
  p.sleep_ns = (k * p.sleep_interval_ns) / p.repeat + 1;
  return p;
}

void fit_cost_model(Calibration& c, double startup_cpu, double work_probe_cpu, int64_t work_repeat,
                    int64_t work_units, double overhead_probe_cpu, int64_t overhead_repeat) {
  c.startup_cpu_seconds = startup_cpu;
  c.span_overhead_ns = std::max(0.0, (overhead_probe_cpu - startup_cpu) * 1e9 /
                                         double(std::max<int64_t>(1, overhead_repeat)));
  const double work_loop_ns =
      (work_probe_cpu - startup_cpu) * 1e9 - double(work_repeat) * c.span_overhead_ns;
  const double units = double(work_repeat) * double(std::max<int64_t>(1, work_units));
  c.work_ns_per_unit = std::max(1e-3, work_loop_ns / units);
}

void correct_from_verification(Calibration& c, const RunPlan& plan, double runtime, double cpu,
                               double wall) {
  // CPU: scale the per-span cost so the loop's measured CPU matches the
  // model. Work done between sleeps runs colder (caches, frequency) than
  // the back-to-back probe, which is why this differs from 1.
  const double n = double(plan.repeat);
  const double predicted_loop_ns =
      n * (c.span_overhead_ns + double(plan.work) * c.work_ns_per_unit);
  const double measured_loop_ns = (cpu - c.startup_cpu_seconds) * 1e9;
  if (predicted_loop_ns > 0 && measured_loop_ns > 0) {
    const double scale = std::clamp(measured_loop_ns / predicted_loop_ns, 0.5, 2.0);
    c.work_ns_per_unit *= scale;
    c.span_overhead_ns *= scale;
  }
  // Wall: whatever the run took beyond its target, spread over its sleeps.
  if (plan.sleep_ns > 0) {
    const double sleeps = std::floor(double(plan.sleep_ns) * n / double(plan.sleep_interval_ns));
    if (sleeps >= 1) {
      const double extra_ns = (wall - runtime) * 1e9 - (measured_loop_ns - predicted_loop_ns);
      c.sleep_overshoot_ns = std::max(0.0, c.sleep_overshoot_ns + extra_ns / sleeps);
    }
  }
}

}  // namespace spanbench
