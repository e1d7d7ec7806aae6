#include "controller/calibration.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_io.h"

namespace spanbench {
namespace {

bool same_rate(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, a); }

RateFit rate_fit_from_json(const nlohmann::json& j) {
  RateFit f;
  f.spans_per_second = j.at("spans_per_second").get<double>();
  f.cpu_scale = j.at("cpu_scale").get<double>();
  f.sleep_overshoot_ns = j.at("sleep_overshoot_ns").get<double>();
  f.iterations = j.value("iterations", 0);
  f.cpu_error_points = j.value("cpu_error_points", 0.0);
  f.rate_error = j.value("rate_error", 0.0);
  f.converged = j.value("converged", false);
  f.seconds = j.value("seconds", 0.0);
  f.noisy_runs = j.value("noisy_runs", 0);
  if (!(f.spans_per_second > 0) || !(f.cpu_scale > 0)) {
    throw Error("calibration has a rate fit with a non-positive rate or CPU scale");
  }
  return f;
}

}  // namespace

const RateFit* Calibration::fit_for(double spans_per_second) const {
  for (const auto& f : rates)
    if (same_rate(f.spans_per_second, spans_per_second)) return &f;
  return nullptr;
}

RateFit* Calibration::fit_for(double spans_per_second) {
  return const_cast<RateFit*>(std::as_const(*this).fit_for(spans_per_second));
}

nlohmann::json to_json(const RateFit& f) {
  return {
      {"spans_per_second", f.spans_per_second},
      {"cpu_scale", f.cpu_scale},
      {"sleep_overshoot_ns", f.sleep_overshoot_ns},
      {"iterations", f.iterations},
      {"cpu_error_points", f.cpu_error_points},
      {"rate_error", f.rate_error},
      {"converged", f.converged},
      {"seconds", f.seconds},
      {"noisy_runs", f.noisy_runs},
  };
}

nlohmann::json to_json(const Calibration& c) {
  nlohmann::json rates = nlohmann::json::array();
  for (const auto& f : c.rates) rates.push_back(to_json(f));
  return {
      {"client", c.client},
      {"target_cpu", c.target_cpu},
      {"work_ns_per_unit", c.work_ns_per_unit},
      {"work_units_per_second", c.work_units_per_second()},
      {"sleep_ns_per_work_unit", c.sleep_ns_per_work_unit()},
      {"span_overhead_ns", c.span_overhead_ns},
      {"startup_cpu_seconds", c.startup_cpu_seconds},
      {"startup_wall_seconds", c.startup_wall_seconds},
      {"calibration_seconds", c.calibration_seconds},
      {"probe_runs", c.probe_runs},
      {"rates", rates},
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
    c.calibration_seconds = j.value("calibration_seconds", 0.0);
    c.probe_runs = j.value("probe_runs", 0);
    if (j.contains("rates")) {
      for (const auto& f : j.at("rates")) c.rates.push_back(rate_fit_from_json(f));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("calibration JSON is missing a field or has a wrong type: ") +
                e.what());
  }
  if (!(c.work_ns_per_unit > 0) || !(c.target_cpu > 0 && c.target_cpu <= 1)) {
    throw Error("calibration has a non-positive work cost or a target CPU outside (0, 1]");
  }
  return c;
}

std::vector<Calibration> load_calibrations(const std::filesystem::path& file) {
  nlohmann::json j = nlohmann::json::parse(read_file(file), nullptr, false);
  if (j.is_discarded()) {
    throw Error("calibration file " + file.string() + " is not JSON: delete it to recalibrate");
  }
  std::vector<Calibration> out;
  try {
    if (j.is_object() && j.contains("calibrations")) {
      for (const auto& c : j.at("calibrations")) out.push_back(calibration_from_json(c));
    } else {
      out.push_back(calibration_from_json(j));  // one calibration on its own
    }
  } catch (const Error& e) {
    throw Error("calibration file " + file.string() + ": " + e.what() +
                "; delete it to recalibrate");
  }
  return out;
}

std::optional<Calibration> find_calibration(const std::filesystem::path& file,
                                            const std::string& client, double target_cpu) {
  if (!std::filesystem::exists(file)) return std::nullopt;
  for (auto& c : load_calibrations(file)) {
    if (c.client == client && std::abs(c.target_cpu - target_cpu) < 1e-9) return c;
  }
  return std::nullopt;
}

void save_calibration(const Calibration& c, const std::filesystem::path& file) {
  std::vector<Calibration> all;
  if (std::filesystem::exists(file)) all = load_calibrations(file);
  auto same = [&](const Calibration& o) {
    return o.client == c.client && std::abs(o.target_cpu - c.target_cpu) < 1e-9;
  };
  all.erase(std::remove_if(all.begin(), all.end(), same), all.end());
  all.push_back(c);
  nlohmann::json doc = {{"calibrations", nlohmann::json::array()}};
  for (const auto& x : all) doc["calibrations"].push_back(to_json(x));
  write_file_atomically(file, doc.dump(2) + "\n");
}

RunPlan plan_run(const Calibration& c, double spans_per_second, double runtime_seconds,
                 int64_t preferred_interval_ns) {
  if (!(spans_per_second > 0) || !(runtime_seconds > 0)) {
    throw UsageError("spans per second and runtime must be positive");
  }
  const RateFit* fit = c.fit_for(spans_per_second);
  const double scale = fit ? fit->cpu_scale : 1.0;
  const double overshoot_ns = fit ? fit->sleep_overshoot_ns : 0.0;

  RunPlan p;
  p.repeat = std::max<int64_t>(1, std::llround(spans_per_second * runtime_seconds));
  const double n = double(p.repeat);

  // CPU the loop may use: the target share of its runtime.
  const double loop_cpu_ns = c.target_cpu * runtime_seconds * 1e9;
  const double work_ns_per_span = loop_cpu_ns / n / scale - c.span_overhead_ns;
  p.work = std::max<int64_t>(0, std::llround(work_ns_per_span / c.work_ns_per_unit));
  const double loop_ns = n * scale * (c.span_overhead_ns + double(p.work) * c.work_ns_per_unit);
  p.expected_loop_cpu_seconds = loop_ns / 1e9;
  p.expected_cpu = loop_ns / (runtime_seconds * 1e9);

  // The rest of the runtime is sleep, taken in k equal intervals.
  const double sleep_total_ns = runtime_seconds * 1e9 - loop_ns;
  if (sleep_total_ns <= 0) {
    p.sleep_ns = 0;
    p.sleep_interval_ns = preferred_interval_ns;
    return p;
  }
  int64_t k = std::max<int64_t>(1, std::llround(sleep_total_ns / double(preferred_interval_ns)));
  k = std::min<int64_t>(k, p.repeat);  // at most one sleep per span
  const double interval = sleep_total_ns / double(k) - overshoot_ns;
  p.sleep_interval_ns = std::max<int64_t>(1, std::llround(interval));
  // Debt after n spans is k*interval + d with 0 < d <= n <= interval, so
  // the client sleeps exactly k times and leaves less than one ns per span.
  p.sleep_ns = (k * p.sleep_interval_ns) / p.repeat + 1;
  p.sleeps = k;
  return p;
}

void fit_cost_model(Calibration& c, double work_probe_loop_cpu, int64_t work_repeat,
                    int64_t work_units, double overhead_probe_loop_cpu, int64_t overhead_repeat) {
  c.span_overhead_ns =
      std::max(0.0, overhead_probe_loop_cpu * 1e9 / double(std::max<int64_t>(1, overhead_repeat)));
  const double work_loop_ns = work_probe_loop_cpu * 1e9 - double(work_repeat) * c.span_overhead_ns;
  const double units = double(work_repeat) * double(std::max<int64_t>(1, work_units));
  c.work_ns_per_unit = std::max(1e-3, work_loop_ns / units);
}

bool verify_and_correct(const Calibration& c, RateFit& fit, const RunPlan& plan, double runtime,
                        double loop_cpu, double loop_wall, const VerifyTolerance& tolerance) {
  ++fit.iterations;
  if (!(loop_wall > 0)) {
    fit.converged = false;
    return false;
  }
  fit.cpu_error_points = (loop_cpu / loop_wall - c.target_cpu) * 100;
  fit.rate_error = double(plan.repeat) / loop_wall / fit.spans_per_second - 1;
  fit.converged = std::abs(fit.cpu_error_points) <= tolerance.cpu_points &&
                  std::abs(fit.rate_error) <= tolerance.rate;
  if (fit.converged) return true;

  // CPU: scale the per-span cost so the loop's measured CPU matches the
  // model. Work done between sleeps runs colder (caches, frequency) than
  // back-to-back probes, and an interpreter's cost per unit of Work is not
  // the same at every Work size, which is why this is fitted per rate.
  const double predicted = plan.expected_loop_cpu_seconds;
  if (predicted > 0 && loop_cpu > 0) {
    fit.cpu_scale *= std::clamp(loop_cpu / predicted, 0.5, 2.0);
  }
  // Wall: whatever the loop took beyond its target that the extra CPU does
  // not explain, spread over its sleeps.
  if (plan.sleeps > 0) {
    const double extra_ns = (loop_wall - runtime - (loop_cpu - predicted)) * 1e9;
    fit.sleep_overshoot_ns += extra_ns / double(plan.sleeps);
  }
  return false;
}

}  // namespace spanbench
