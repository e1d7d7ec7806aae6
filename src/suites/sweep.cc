#include "suites/sweep.h"

#include <fmt/format.h>

#include <chrono>

#include "core/file_io.h"
#include "core/machine.h"
#include "report/json_reporter.h"

namespace spanbench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kFormat = "spanbench-sweep/1";

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The ETA: each run's planned runtime plus the overhead measured so far
// around runs (start-up, flush, settling) and each calibration's measured
// time, guessed until the first is measured.
class SweepPace {
 public:
  explicit SweepPace(double runtime) : runtime_(runtime) {}
  void ran(double wall_seconds) {
    overhead_ += std::max(0.0, wall_seconds - runtime_);
    ++runs_;
  }
  void calibrated(double wall_seconds) {
    calibration_ += wall_seconds;
    ++calibrations_;
  }
  double eta(size_t runs_left, size_t calibrations_left) const {
    const double overhead = runs_ > 0 ? overhead_ / runs_ : 1.5;
    const double calibration = calibrations_ > 0 ? calibration_ / calibrations_ : 10.0;
    return double(runs_left) * (runtime_ + overhead) + double(calibrations_left) * calibration;
  }

 private:
  double runtime_;
  double overhead_ = 0, calibration_ = 0;
  int runs_ = 0, calibrations_ = 0;
};

// A failed run's document without a run: the group could not be
// calibrated, so the run never started.
void record_unstarted(const SweepPlan& plan, const PlannedRun& run, const fs::path& file,
                      const std::string& error) {
  Result r;
  r.client = run.client;
  r.trace = run.trace;
  r.target_spans_per_second = run.rate;
  r.target_runtime = plan.definition.runtime_seconds;
  r.target_cpu = plan.definition.target_cpu;
  r.num_tags = plan.definition.num_tags;
  r.num_logs = plan.definition.num_logs;
  auto doc = result_document(r, std::nullopt);
  doc["error"] = error;
  doc["sweep"] = run_sweep_fields(plan, run);
  write_json_file(doc, file);
}

// A saved calibration of this client and target, with the fits a busy
// machine kept from converging left out (they are made again).
std::optional<Calibration> saved_calibration(const fs::path& file, const std::string& client,
                                             double target) {
  if (file.empty() || !fs::exists(file)) return std::nullopt;
  auto cal = find_calibration(file, client, target);
  if (!cal) return std::nullopt;
  std::erase_if(cal->rates, [](const RateFit& f) { return !f.converged && f.noisy_runs > 0; });
  cal->reused = true;
  return cal;
}

// The group's calibration: its own, saved in its folder by an earlier
// start; else the shared file's for the client; else measured. Saved in
// the group's folder before any run.
Calibration group_calibration(SweepBackend& backend, const SweepOptions& o,
                              const PlannedGroup& group, const fs::path& file,
                              const SweepCallbacks& cb) {
  const double target = o.plan.definition.target_cpu;
  std::optional<Calibration> cal = saved_calibration(file, group.client, target);
  if (cal) {
    if (cb.on_note) cb.on_note("reusing the calibration in " + file.string());
    return *cal;
  }
  cal = saved_calibration(o.calibration_file, group.client, target);
  if (cal) {
    if (cb.on_note) {
      cb.on_note("reusing the calibration of " + group.client + " in " +
                 o.calibration_file.string());
    }
  } else {
    cal = backend.calibrate(group.client, target);
    if (!o.calibration_file.empty()) save_calibration(*cal, o.calibration_file);
  }
  save_calibration(*cal, file);
  return *cal;
}

}  // namespace

std::string ControllerSweepBackend::not_ready(const std::string& client) {
  const ClientRegistry& registry = controller_.registry();
  Readiness r = registry.readiness(registry.get(client));
  return r.ready ? "" : (r.reason.empty() ? "not ready" : r.reason);
}

Calibration ControllerSweepBackend::calibrate(const std::string& client, double target_cpu) {
  auto key = std::make_pair(client, target_cpu);
  auto it = models_.find(key);
  if (it == models_.end()) {
    CalibrationOptions co;
    co.target_cpu = target_cpu;
    it = models_.emplace(key, controller_.calibrate(client, co)).first;
  }
  Calibration c = it->second;
  c.rates.clear();
  return c;
}

std::unique_ptr<Runner> ControllerSweepBackend::runner(Calibration& calibration) {
  return std::make_unique<ControllerRunner>(controller_, calibration);
}

nlohmann::json plan_document(const SweepPlan& plan, const nlohmann::json& machine,
                             const std::map<std::string, std::string>& skipped) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : plan.groups) groups.push_back(g.key());
  nlohmann::json skipped_json = nlohmann::json::object();
  for (const auto& [client, why] : skipped) skipped_json[client] = why;
  return {{"format", kFormat},
          {"definition", to_json(plan.definition)},
          {"plan_id", plan.plan_id},
          {"shard", {{"index", plan.shard.index}, {"count", plan.shard.count}}},
          {"groups", groups},
          {"planned_runs", plan.run_count()},
          {"skipped", skipped_json},
          {"host", machine.value("host", "")}};
}

nlohmann::json run_sweep_fields(const SweepPlan& plan, const PlannedRun& run) {
  return {{"client", run.client},
          {"rate", run.rate},
          {"mode", run.mode},
          {"trace", run.trace},
          {"repetition", run.repetition},
          {"shard", plan.shard.text()},
          {"plan_id", plan.plan_id}};
}

bool finished_run(const fs::path& file, const std::string& plan_id) {
  auto text = try_read_file(file);
  if (!text) return false;
  auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.contains("error")) return false;
  auto sweep = doc.find("sweep");
  return sweep != doc.end() && sweep->is_object() && sweep->value("plan_id", "") == plan_id;
}

void check_sweep_folder(const SweepPlan& plan, const fs::path& out_dir, bool resume) {
  const fs::path file = out_dir / "plan.json";
  if (!fs::exists(file)) return;
  if (!resume) {
    throw UsageError(fmt::format("{} already holds a sweep ({}): pass --resume or another --out",
                                 out_dir.string(), file.string()));
  }
  auto doc = nlohmann::json::parse(try_read_file(file).value_or(""), nullptr, false);
  if (!doc.is_object() || doc.value("format", "") != kFormat) {
    throw UsageError(
        fmt::format("{} is not a sweep's plan.json; pass another --out", file.string()));
  }
  if (doc.value("merged", false)) {
    throw UsageError(fmt::format("{} holds merged shards, not one to resume; pass another --out",
                                 out_dir.string()));
  }
  const std::string id = doc.value("plan_id", "");
  if (id != plan.plan_id) {
    throw UsageError(
        fmt::format("{} holds another sweep (plan {}, this one is {}): resume it with the clients, "
                    "rates, modes "
                    "and settings in its plan.json, or pass another --out",
                    out_dir.string(), id, plan.plan_id));
  }
  const auto& shard = doc["shard"];
  SweepShard there{shard.value("index", 0), shard.value("count", 0)};
  if (!(there == plan.shard)) {
    throw UsageError(
        fmt::format("{} holds shard {} of this sweep, not {}: pass --shard {} to resume "
                    "it, or another --out",
                    out_dir.string(), there.text(), plan.shard.text(), there.text()));
  }
}

SweepSummary run_sweep(SweepBackend& backend, const SweepOptions& o, const SweepCallbacks& cb) {
  const auto t0 = Clock::now();
  const SweepPlan& plan = o.plan;
  const SweepDefinition& def = plan.definition;
  check_sweep_folder(plan, o.out_dir, o.resume);

  SweepSummary s;
  s.planned = plan.run_count();
  for (const auto& g : plan.groups) {
    if (s.skipped.count(g.client)) continue;
    if (std::string why = backend.not_ready(g.client); !why.empty()) s.skipped[g.client] = why;
  }
  const nlohmann::json machine = o.machine.is_null() ? machine_context() : o.machine;
  write_json_file(plan_document(plan, machine, s.skipped), o.out_dir / "plan.json");
  write_json_file(machine, o.out_dir / "machine.json");
  for (const auto& [client, why] : s.skipped) {
    if (cb.on_note) cb.on_note("skipping " + client + ": " + why);
  }

  // What is left: runs not finished in an earlier start, and the
  // calibrations their groups still need.
  std::vector<std::vector<bool>> finished(plan.groups.size());
  size_t runs_left = 0, calibrations_left = 0;
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const auto& g = plan.groups[i];
    if (s.skipped.count(g.client)) {
      s.skipped_runs += g.runs.size();
      continue;
    }
    size_t unfinished = 0;
    for (const auto& run : g.runs) {
      bool done = o.resume && finished_run(o.out_dir / run.file, plan.plan_id);
      finished[i].push_back(done);
      unfinished += done ? 0 : 1;
    }
    runs_left += unfinished;
    if (unfinished > 0 && !fs::exists(o.out_dir / g.folder() / "calibration.json")) {
      ++calibrations_left;
    }
  }

  SweepPace pace(def.runtime_seconds);
  size_t done = 0;  // of the runs not skipped
  auto progress = [&](const std::string& label) {
    if (cb.on_progress)
      cb.on_progress(
          {done, s.planned - s.skipped_runs, label, pace.eta(runs_left, calibrations_left)});
  };
  auto report = [&](const SweepRunDone& d) {
    ++done;
    if (cb.on_run) cb.on_run(d);
  };

  for (size_t gi = 0; gi < plan.groups.size() && !s.interrupted; ++gi) {
    const PlannedGroup& g = plan.groups[gi];
    if (s.skipped.count(g.client)) continue;
    const auto& fin = finished[gi];
    const bool all_finished = std::all_of(fin.begin(), fin.end(), [](bool b) { return b; });
    if (all_finished) {
      for (const auto& run : g.runs) {
        ++s.resumed;
        report({&run, o.out_dir / run.file, SweepRunDone::Status::resumed, {}, {}});
      }
      continue;
    }
    if (backend.stop_requested()) {
      s.interrupted = true;
      break;
    }

    const fs::path cal_file = o.out_dir / g.folder() / "calibration.json";
    const bool cached = fs::exists(cal_file);
    Calibration cal;
    progress(fmt::format("calibrating {} at {} sps", g.client, sweep_rate_text(g.rate)));
    const auto c0 = Clock::now();
    try {
      cal = group_calibration(backend, o, g, cal_file, cb);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      if (backend.stop_requested()) {
        s.interrupted = true;
        break;
      }
      // No run of the group can be planned: each is recorded as failed.
      const std::string why = std::string("calibration failed: ") + e.what();
      for (size_t i = 0; i < g.runs.size(); ++i) {
        const auto& run = g.runs[i];
        if (fin[i]) {
          ++s.resumed;
          report({&run, o.out_dir / run.file, SweepRunDone::Status::resumed, {}, {}});
          continue;
        }
        record_unstarted(plan, run, o.out_dir / run.file, why);
        ++s.failed;
        --runs_left;
        s.failures.push_back(run.file.generic_string() + ": " + why);
        report({&run, o.out_dir / run.file, SweepRunDone::Status::failed, {}, why});
      }
      if (!cached) --calibrations_left;
      continue;
    }
    if (!cached) {
      pace.calibrated(seconds_since(c0));
      --calibrations_left;
    }

    std::unique_ptr<Runner> runner = backend.runner(cal);
    // The group's first run makes the fit for its rate: saved as soon as
    // it is there, so that a resumed group plans its runs alike.
    auto fits = cal.rates.size();
    auto save_new_fits = [&] {
      if (cal.rates.size() == fits) return;
      fits = cal.rates.size();
      save_calibration(cal, cal_file);
      if (!o.calibration_file.empty()) save_calibration(cal, o.calibration_file);
    };
    // Satellites stay up while consecutive traced runs share a mode.
    std::unique_ptr<RunRecorder> satellites;
    std::string satellites_mode;
    for (size_t i = 0; i < g.runs.size(); ++i) {
      const PlannedRun& run = g.runs[i];
      const fs::path file = o.out_dir / run.file;
      if (fin[i]) {
        ++s.resumed;
        report({&run, file, SweepRunDone::Status::resumed, {}, {}});
        continue;
      }
      if (backend.stop_requested()) {
        s.interrupted = true;
        break;
      }
      progress(run.label());
      RunOptions ro;
      ro.client = g.client;
      if (run.trace) {
        if (!satellites || satellites_mode != run.mode) {
          satellites.reset();  // frees the ports for the next mode's
          satellites =
              std::make_unique<RunRecorder>(*runner, g.client, run.mode, o.satellite_ports);
          satellites_mode = run.mode;
        }
        ro = satellites->options();
      } else if (!o.satellite_ports.empty()) {
        ro.satellite_ports = o.satellite_ports;
      }
      ro.trace = run.trace;
      ro.spans_per_second = run.rate;
      ro.runtime_seconds = def.runtime_seconds;
      ro.num_tags = def.num_tags;
      ro.num_logs = def.num_logs;
      ro.profile = def.profile;
      ro.timeout = o.timeout;
      RecordTo to{file};
      to.fields = {{"sweep", run_sweep_fields(plan, run)}};
      const auto r0 = Clock::now();
      try {
        Result r = run_and_record(*runner, ro, to);
        save_new_fits();
        pace.ran(seconds_since(r0));
        --runs_left;
        ++s.measured;
        report({&run, file, SweepRunDone::Status::measured, r, {}});
      } catch (const RunFailed& e) {
        save_new_fits();
        if (runner->stop_requested() || backend.stop_requested()) {
          s.interrupted = true;
          break;
        }
        pace.ran(seconds_since(r0));
        --runs_left;
        ++s.failed;
        s.failures.push_back(run.file.generic_string() + ": " + e.what());
        report({&run, file, SweepRunDone::Status::failed, e.partial(), e.what()});
      }
    }
  }
  s.seconds = seconds_since(t0);
  return s;
}

}  // namespace spanbench
