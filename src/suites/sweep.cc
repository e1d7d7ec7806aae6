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

namespace {

// One start of a sweep: what is left of it, its pace, and the summary it
// builds, group by group.
class SweepExecutor {
 public:
  SweepExecutor(SweepBackend& backend, const SweepOptions& o, const SweepCallbacks& cb)
      : backend_(backend),
        o_(o),
        cb_(cb),
        plan_(o.plan),
        def_(o.plan.definition),
        pace_(o.plan.definition.runtime_seconds) {}

  SweepSummary run() {
    const auto t0 = Clock::now();
    check_sweep_folder(plan_, o_.out_dir, o_.resume);
    s_.planned = plan_.run_count();
    write_plan();
    survey();
    for (size_t gi = 0; gi < plan_.groups.size() && !s_.interrupted; ++gi) {
      if (!s_.skipped.count(plan_.groups[gi].client)) run_group(plan_.groups[gi], finished_[gi]);
    }
    s_.seconds = seconds_since(t0);
    return s_;
  }

 private:
  // plan.json and machine.json, with the clients that are not ready.
  void write_plan() {
    for (const auto& g : plan_.groups) {
      if (s_.skipped.count(g.client)) continue;
      if (std::string why = backend_.not_ready(g.client); !why.empty()) s_.skipped[g.client] = why;
    }
    const nlohmann::json machine = o_.machine.is_null() ? machine_context() : o_.machine;
    write_json_file(plan_document(plan_, machine, s_.skipped), o_.out_dir / "plan.json");
    write_json_file(machine, o_.out_dir / "machine.json");
    for (const auto& [client, why] : s_.skipped) {
      if (cb_.on_note) cb_.on_note("skipping " + client + ": " + why);
    }
  }

  // What is left: runs not finished in an earlier start, and the
  // calibrations their groups still need.
  void survey() {
    finished_.resize(plan_.groups.size());
    for (size_t i = 0; i < plan_.groups.size(); ++i) {
      const auto& g = plan_.groups[i];
      if (s_.skipped.count(g.client)) {
        s_.skipped_runs += g.runs.size();
        continue;
      }
      size_t unfinished = 0;
      for (const auto& run : g.runs) {
        bool done = o_.resume && finished_run(o_.out_dir / run.file, plan_.plan_id);
        finished_[i].push_back(done);
        unfinished += done ? 0 : 1;
      }
      runs_left_ += unfinished;
      if (unfinished > 0 && !fs::exists(o_.out_dir / g.folder() / "calibration.json")) {
        ++calibrations_left_;
      }
    }
  }

  void progress(const std::string& label) {
    if (cb_.on_progress) {
      cb_.on_progress(
          {done_, s_.planned - s_.skipped_runs, label, pace_.eta(runs_left_, calibrations_left_)});
    }
  }
  void report(const SweepRunDone& d) {
    ++done_;
    if (cb_.on_run) cb_.on_run(d);
  }
  void resumed(const PlannedRun& run) {
    ++s_.resumed;
    report({&run, o_.out_dir / run.file, SweepRunDone::Status::resumed, {}, {}});
  }
  void failed(const PlannedRun& run, const std::string& why, const Result& partial = {}) {
    --runs_left_;
    ++s_.failed;
    s_.failures.push_back(run.file.generic_string() + ": " + why);
    report({&run, o_.out_dir / run.file, SweepRunDone::Status::failed, partial, why});
  }

  void run_group(const PlannedGroup& g, const std::vector<bool>& fin) {
    if (std::all_of(fin.begin(), fin.end(), [](bool b) { return b; })) {
      for (const auto& run : g.runs) resumed(run);
      return;
    }
    if (backend_.stop_requested()) {
      s_.interrupted = true;
      return;
    }
    const fs::path cal_file = o_.out_dir / g.folder() / "calibration.json";
    const bool cached = fs::exists(cal_file);
    Calibration cal;
    progress(fmt::format("calibrating {} at {} sps", g.client, sweep_rate_text(g.rate)));
    const auto c0 = Clock::now();
    try {
      cal = group_calibration(backend_, o_, g, cal_file, cb_);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      if (backend_.stop_requested()) {
        s_.interrupted = true;
        return;
      }
      // No run of the group can be planned: each is recorded as failed.
      const std::string why = std::string("calibration failed: ") + e.what();
      for (size_t i = 0; i < g.runs.size(); ++i) {
        if (fin[i]) {
          resumed(g.runs[i]);
          continue;
        }
        record_unstarted(plan_, g.runs[i], o_.out_dir / g.runs[i].file, why);
        failed(g.runs[i], why);
      }
      if (!cached) --calibrations_left_;
      return;
    }
    if (!cached) {
      pace_.calibrated(seconds_since(c0));
      --calibrations_left_;
    }
    run_calibrated_group(g, fin, cal, cal_file);
  }

  void run_calibrated_group(const PlannedGroup& g, const std::vector<bool>& fin, Calibration& cal,
                            const fs::path& cal_file) {
    std::unique_ptr<Runner> runner = backend_.runner(cal);
    // The group's first run makes the fit for its rate: saved as soon as
    // it is there, so that a resumed group plans its runs alike.
    auto fits = cal.rates.size();
    auto save_new_fits = [&] {
      if (cal.rates.size() == fits) return;
      fits = cal.rates.size();
      save_calibration(cal, cal_file);
      if (!o_.calibration_file.empty()) save_calibration(cal, o_.calibration_file);
    };
    // Satellites stay up while consecutive traced runs share a mode.
    std::unique_ptr<RunRecorder> satellites;
    std::string satellites_mode;
    for (size_t i = 0; i < g.runs.size(); ++i) {
      const PlannedRun& run = g.runs[i];
      if (fin[i]) {
        resumed(run);
        continue;
      }
      if (backend_.stop_requested()) {
        s_.interrupted = true;
        return;
      }
      progress(run.label());
      RunOptions ro;
      ro.client = g.client;
      if (run.trace) {
        if (!satellites || satellites_mode != run.mode) {
          satellites.reset();  // frees the ports for the next mode's
          satellites =
              std::make_unique<RunRecorder>(*runner, g.client, run.mode, o_.satellite_ports);
          satellites_mode = run.mode;
        }
        ro = satellites->options();
      } else if (!o_.satellite_ports.empty()) {
        ro.satellite_ports = o_.satellite_ports;
      }
      set_planned_run(ro, run);
      RecordTo to{o_.out_dir / run.file};
      to.fields = {{"sweep", run_sweep_fields(plan_, run)}};
      const auto r0 = Clock::now();
      try {
        Result r = run_and_record(*runner, ro, to);
        save_new_fits();
        pace_.ran(seconds_since(r0));
        --runs_left_;
        ++s_.measured;
        report({&run, to.file, SweepRunDone::Status::measured, r, {}});
      } catch (const RunFailed& e) {
        save_new_fits();
        if (runner->stop_requested() || backend_.stop_requested()) {
          s_.interrupted = true;
          return;
        }
        pace_.ran(seconds_since(r0));
        failed(run, e.what(), e.partial());
      }
    }
  }

  // The run's settings from the plan and the sweep's options.
  void set_planned_run(RunOptions& ro, const PlannedRun& run) const {
    ro.trace = run.trace;
    ro.spans_per_second = run.rate;
    ro.runtime_seconds = def_.runtime_seconds;
    ro.num_tags = def_.num_tags;
    ro.num_logs = def_.num_logs;
    ro.profile = def_.profile;
    ro.timeout = o_.timeout;
  }

  SweepBackend& backend_;
  const SweepOptions& o_;
  const SweepCallbacks& cb_;
  const SweepPlan& plan_;
  const SweepDefinition& def_;
  SweepPace pace_;
  SweepSummary s_;
  std::vector<std::vector<bool>> finished_;
  size_t runs_left_ = 0, calibrations_left_ = 0;
  size_t done_ = 0;  // of the runs not skipped
};

}  // namespace

SweepSummary run_sweep(SweepBackend& backend, const SweepOptions& o, const SweepCallbacks& cb) {
  return SweepExecutor(backend, o, cb).run();
}

}  // namespace spanbench
