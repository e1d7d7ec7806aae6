#include "controller/controller.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/log.h"
#include "process/child_process.h"
#include "process/proc_stat.h"
#include "process/process_monitor.h"
#include "profile/perf_capture.h"

namespace spanbench {
namespace {

using Clock = std::chrono::steady_clock;

// Added to timeout_factor x runtime: time for start-up and flush.
constexpr double kTimeoutAllowanceSeconds = 2.0;
// The longest a profiled client's command waits for perf to attach.
constexpr int kProfileAttachSeconds = 15;

// Polls the sink until its counts stop changing (or every sent span has
// arrived and stayed put), bounded by `limit`. Tracers flush on exit, but
// the last reports may still be in flight or being decoded.
SinkCounts settle(const SpanSink& sink, int64_t spans_sent, std::chrono::milliseconds limit) {
  const auto poll = std::chrono::milliseconds(50);
  const int quiet_polls_needed = 4;  // 200 ms of no change
  auto deadline = Clock::now() + limit;
  SinkCounts last = sink.counts();
  int quiet = 0;
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(poll);
    SinkCounts now = sink.counts();
    bool same = now.spans_received == last.spans_received && now.reports == last.reports &&
                now.duplicate_spans == last.duplicate_spans;
    quiet = same ? quiet + 1 : 0;
    last = now;
    bool all_in = int64_t(now.spans_received) >= spans_sent && spans_sent > 0;
    if (quiet >= quiet_polls_needed || (all_in && quiet >= 1)) break;
  }
  return last;
}

}  // namespace

namespace {

// The phases of a run from the control server's marks (see Result).
void fill_phases(Result& r, const ClientMarks& marks, Clock::time_point started,
                 const MonitorReport& rep) {
  const auto ended = started + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(rep.clock_seconds));
  auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  auto cpu_s = [](const std::optional<ClientMark>& m, double fallback) {
    return m && m->cpu_ns ? double(*m->cpu_ns) / 1e9 : fallback;
  };
  if (!marks.command) {  // never asked: the whole process is its "loop"
    r.loop_seconds = rep.clock_seconds;
    r.loop_cpu_seconds = rep.cpu_seconds;
    r.loop_end = "exit";
    return;
  }
  const ClientMark& command = *marks.command;
  const ClientMark& loop_start = marks.loop_start ? *marks.loop_start : command;
  r.startup_seconds = seconds(command.at - started);
  r.startup_cpu_seconds = cpu_s(marks.command, 0);
  r.setup_seconds = seconds(loop_start.at - command.at);
  r.setup_cpu_seconds = cpu_s(loop_start, r.startup_cpu_seconds) - r.startup_cpu_seconds;
  const double loop_start_cpu = r.startup_cpu_seconds + r.setup_cpu_seconds;
  if (marks.result) {
    r.loop_end = "result";
    r.loop_seconds = seconds(marks.result->at - loop_start.at);
    r.loop_cpu_seconds = cpu_s(marks.result, rep.cpu_seconds) - loop_start_cpu;
    r.flush_seconds = std::max(0.0, seconds(ended - marks.result->at));
    r.flush_cpu_seconds = std::max(0.0, rep.cpu_seconds - cpu_s(marks.result, rep.cpu_seconds));
  } else {
    r.loop_end = "exit";
    r.loop_seconds = seconds(ended - loop_start.at);
    r.loop_cpu_seconds = rep.cpu_seconds - loop_start_cpu;
  }
}

// The command that carries out `plan` with the run's settings.
ControlCommand command_for(const RunPlan& plan, const RunOptions& options) {
  ControlCommand c;
  c.trace = options.trace;
  c.work = plan.work;
  c.repeat = plan.repeat;
  c.sleep_ns = plan.sleep_ns;
  c.sleep_interval_ns = plan.sleep_interval_ns;
  c.no_flush = options.no_flush;
  c.num_tags = options.num_tags;
  c.num_logs = options.num_logs;
  return c;
}

// Why the machine, not the client, may have set this run's pace: other
// processes' load, waiting for a CPU, a hypervisor's steal. Empty: quiet.
std::vector<std::string> machine_noise(const Result& r) {
  std::vector<std::string> why;
  const double cpus = double(std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN)));
  if (cpus - r.other_cpu_cores < 1.0) {
    why.push_back(
        fmt::format("other processes used {:.2f} of {:.0f} cores", r.other_cpu_cores, cpus));
  }
  if (r.runqueue_wait_share > 0.10) {
    why.push_back(fmt::format("the client waited for a CPU {:.0f}% of the time",
                              r.runqueue_wait_share * 100));
  }
  if (r.steal_share > 0.05) {
    why.push_back(fmt::format("the hypervisor stole {:.0f}% of the CPU", r.steal_share * 100));
  }
  return why;
}

// Marks a run whose client could not get its CPU share, with the reason.
void detect_disturbance(Result& r, const ControlCommand& command, bool with_sink) {
  std::vector<std::string> why = machine_noise(r);
  if (!command.trace && r.target_spans_per_second > 0 && r.spans_per_second > 0 &&
      r.spans_per_second < 0.95 * r.target_spans_per_second) {
    why.push_back(fmt::format("the untraced client reached {:.1f} of {:g} spans/s",
                              r.spans_per_second, r.target_spans_per_second));
  }
  if (!command.trace && with_sink && r.spans_received > 0) {
    why.push_back(fmt::format(
        "the satellites received {} spans during an untraced run (another process sends to "
        "them)",
        r.spans_received));
  }
  r.disturbed = !why.empty();
  r.disturbance.clear();
  for (const auto& w : why) r.disturbance += (r.disturbance.empty() ? "" : "; ") + w;
}

int64_t monotonic_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Folds the recording of the span loop (from the loop's start, or the
// command when the client sent no /loop_start, to /result) into `folded`.
ProfileInfo make_profile(const profile::PerfRecording& perf, const ClientMarks& marks,
                         const std::filesystem::path& folded, double perf_cpu_seconds,
                         std::vector<std::string> notes) {
  ProfileInfo info;
  info.folded = folded.string();
  info.frequency_hz = perf.options().frequency_hz;
  info.unwinding = profile::unwinding_name(perf.options().unwinding);
  info.profiler_cpu_seconds = perf_cpu_seconds;
  profile::FoldWindow window;
  if (marks.loop_start) {
    window.from_ns = monotonic_ns(marks.loop_start->at);
  } else if (marks.command) {
    window.from_ns = monotonic_ns(marks.command->at);
  }
  if (marks.result) window.to_ns = monotonic_ns(marks.result->at);
  if (!perf.enabled_ever()) {
    notes.push_back("perf did not attach to the client before its loop: no samples (see " +
                    perf.options().log_file.string() + ")");
  }
  try {
    profile::FoldedStacks stacks = perf.fold(window);
    profile::write_folded(stacks, folded);
    info.samples = stacks.samples;
    info.lost_samples = stacks.lost_samples;
    for (auto& n : profile::symbol_notes(stacks)) notes.push_back(std::move(n));
    if (stacks.lost_samples > 0) {
      notes.push_back(fmt::format(
          "perf lost {} samples (it could not keep up): the shares are still fair, the counts low",
          stacks.lost_samples));
    }
    for (const auto& map : stacks.perf_maps) {
      std::error_code ec;
      std::filesystem::remove(map, ec);
    }
  } catch (const Error& e) {
    notes.push_back(std::string("no profile: ") + e.what());
  }
  info.notes = std::move(notes);
  return info;
}

// What a run's result says before the client starts: what was asked, and
// which build asked it.
Result planned_result(const std::string& client, const RunOptions& options,
                      const ControlCommand& command, int client_cpu) {
  Result result;
  result.client = client;
  result.trace = command.trace;
  result.target_spans_per_second = options.spans_per_second;
  result.target_runtime = options.runtime_seconds;
  result.satellites = options.sink ? options.sink_label : "none";
  result.target_cpu = options.target_cpu;
  result.num_tags = command.num_tags;
  result.num_logs = command.num_logs;
  result.no_flush = command.no_flush;
  result.client_cpu = client_cpu;
  result.spanbench_version = SPANBENCH_VERSION;
  result.git_commit = SPANBENCH_GIT_COMMIT;
  result.build_type = SPANBENCH_BUILD_TYPE;
  result.load_average_start = load_average_1m().value_or(0);
  result.profiled = options.profile;
  return result;
}

// What was measured from outside the client while it ran.
void take_monitor_report(Result& result, const MonitorReport& rep) {
  result.program_time = rep.cpu_seconds;
  result.clock_time = rep.clock_seconds;
  result.process_cpu_usage = rep.clock_seconds > 0 ? rep.cpu_seconds / rep.clock_seconds : 0;
  result.cpu_list = rep.cpu_list;
  result.memory_list = rep.memory_list;
  result.max_rss_bytes = rep.max_rss_bytes;
  result.other_cpu_cores = rep.other_cpu_cores;
  result.steal_share = rep.steal_share;
  result.runqueue_wait_share =
      rep.clock_seconds > 0 ? double(rep.runqueue_wait_ns) / 1e9 / rep.clock_seconds : 0;
}

// A /result is the client's word: it must agree with what was asked and
// what was measured. Empty when it does.
std::string client_word_problem(const std::string& client, const ClientReport& cr,
                                const ControlCommand& command, double clock_time) {
  if (cr.spans_sent < -1 || cr.spans_sent > command.repeat) {
    return fmt::format(
        "client {} reported SpansSent={} in /result, but it was told to emit {} spans: "
        "/result must count the spans the loop emitted",
        client, cr.spans_sent, command.repeat);
  }
  if (cr.loop_seconds < 0 || cr.loop_seconds > clock_time + 0.5 || cr.flush_seconds < 0 ||
      cr.flush_seconds > clock_time + 0.5) {
    return fmt::format(
        "client {} reported LoopSeconds={} and FlushSeconds={} in /result, outside its "
        "process's lifetime of {:.3f}s: /result must carry the loop's own timings",
        client, cr.loop_seconds, cr.flush_seconds, clock_time);
  }
  return "";
}

// What the satellites received, once their counts settled.
void take_sink_counts(Result& result, const SinkCounts& counts) {
  result.spans_received = int64_t(counts.spans_received);
  result.duplicate_spans = int64_t(counts.duplicate_spans);
  result.received_tags = int64_t(counts.tags);
  result.received_logs = int64_t(counts.logs);
  result.export_latency_spans = int64_t(counts.latency_spans);
  if (counts.latency_spans > 0) {
    result.export_latency_p50_seconds = counts.latency_p50_seconds;
    result.export_latency_p99_seconds = counts.latency_p99_seconds;
  }
}

}  // namespace

Controller::Controller(ControllerOptions options)
    : options_(std::move(options)),
      registry_(ClientRegistry::load(find_client_registry(options_.clients_file))) {
  control_ = std::make_unique<ControlServer>(options_.control_port, options_.control_host);
  log().info("controller: control server at {}", control_->url());
}

Controller::~Controller() = default;

std::filesystem::path Controller::next_log_file(const std::string& client, bool trace) {
  std::time_t t = std::time(nullptr);
  std::tm tm = {};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  ++run_counter_;
  auto dir = options_.log_dir / "runs";
  std::filesystem::create_directories(dir);
  // The pid keeps two spanbench processes started in the same second apart.
  return dir / fmt::format("{}-{}-{}-{}-{}.log", stamp, client, trace ? "traced" : "untraced",
                           getpid(), run_counter_);
}

Result Controller::run_command(const RunOptions& options, const ControlCommand& command_in) {
  const ClientEntry& entry = registry_.get(options.client);
  Readiness ready = registry_.readiness(entry);
  if (!ready.ready) throw Error("client " + entry.name + " is not ready: " + ready.reason);

  ControlCommand command = command_in;
  command.satellite_host = options.satellite_host;
  command.satellite_ports = options.satellite_ports;

  Result result = planned_result(entry.name, options, command, options_.client_cpu);

  std::vector<std::string> argv = entry.command;
  std::optional<profile::ClientProfileSetup> profiling;
  if (options.profile) {
    if (auto why = profile::perf_unavailable_reason()) throw UsageError(*why);
  }

  auto log_file = next_log_file(entry.name, command.trace);
  if (options.profile) {
    profiling = profile::client_profile_setup(
        entry.command, entry.profile_unwinding, entry.profile_args, registry_.base_dir(),
        std::filesystem::absolute(std::filesystem::path(log_file).replace_extension(".v8.log")));
    argv = profiling->argv;
  }
  result.log_file = log_file.string();
  control_->arm(command);
  if (options.sink) options.sink->reset();

  SpawnOptions spawn;
  spawn.argv = argv;
  if (options_.client_cpu >= 0) {
    // taskset execs the client in place (same pid), pinned before it starts
    // any thread, so its tracer's threads share the core too.
    spawn.argv.insert(spawn.argv.begin(), {"taskset", "-c", std::to_string(options_.client_cpu)});
  }
  spawn.extra_env = {{"SPANBENCH_CONTROL_URL", control_->url()}};
  if (profiling) {
    spawn.extra_env.insert(spawn.extra_env.end(), profiling->extra_env.begin(),
                           profiling->extra_env.end());
  }
  spawn.working_dir = registry_.base_dir();
  spawn.log_file = log_file;

  MonitorOptions mon;
  if (options.timeout) {
    // The loop is planned to last the runtime; start-up and flush come on
    // top, hence the fixed allowance.
    double limit_s = options.timeout_factor * options.runtime_seconds + kTimeoutAllowanceSeconds;
    // A profiled client waits for perf to attach before its loop.
    if (options.profile) limit_s += kProfileAttachSeconds;
    mon.timeout = std::chrono::milliseconds(std::llround(limit_s * 1000));
  }
  mon.should_stop = [this] {
    return stop_.load() || (options_.stop_flag && options_.stop_flag->load());
  };

  log().info("run: client={} trace={} work={} repeat={} sleep={}ns interval={}ns log={}",
             entry.name, command.trace, command.work, command.repeat, command.sleep_ns,
             command.sleep_interval_ns, log_file.string());
  auto started = Clock::now();
  ChildProcess child = ChildProcess::spawn(spawn);
  std::unique_ptr<profile::PerfRecording> perf;
  // A JIT's perf map is read by perf script and removed after it.
  struct RemoveFile {
    std::filesystem::path file;
    ~RemoveFile() {
      std::error_code ec;
      if (!file.empty()) std::filesystem::remove(file, ec);
    }
  } perf_map, v8_log;
  if (profiling) {
    perf_map.file = fmt::format("/tmp/perf-{}.map", child.pid());
    if (!profiling->scratch_files.empty()) v8_log.file = profiling->scratch_files.front();
    profile::PerfRecordOptions po;
    po.pid = child.pid();
    po.frequency_hz = options.profile_hz;
    po.unwinding = profiling->unwinding;
    po.log_file = std::filesystem::path(log_file).replace_extension(".perf.log");
    perf = profile::PerfRecording::start(po);
    // The client waits at its command until perf has attached and samples,
    // and at its /result until perf has stopped: the profile holds the span
    // loop (to the sample: samples outside it are dropped by time).
    auto* p = perf.get();
    control_->set_hooks(
        {[p] { p->enable(std::chrono::seconds(kProfileAttachSeconds)); }, [p] { p->disable(); }});
  }
  control_->attach(child.pid());
  if (options.sink) options.sink->run_started();
  MonitorReport rep = monitor_until_exit(child, started, mon);
  if (options.sink) options.sink->run_finished();
  double perf_cpu_seconds = 0;
  if (perf) {
    control_->set_hooks({});
    perf_cpu_seconds = perf->finish();
  }

  take_monitor_report(result, rep);
  fill_phases(result, control_->marks(), started, rep);
  result.cpu_usage = result.loop_seconds > 0 ? result.loop_cpu_seconds / result.loop_seconds : 0;
  result.spans_planned = command.repeat;
  result.spans_sent = command.repeat;
  if (auto cr = control_->client_report()) {
    if (cr->spans_sent >= 0) result.spans_sent = cr->spans_sent;
    result.client_loop_seconds = cr->loop_seconds;
    result.client_flush_seconds = cr->flush_seconds;
    result.tracer_version = cr->tracer_version;
  }
  result.spans_per_second =
      result.loop_seconds > 0 ? double(result.spans_sent) / result.loop_seconds : 0;

  auto failed = [&](const std::string& why) {
    log().error("run failed: {}", why);
    // What the client emitted is known only from its /result; the plan
    // stays in spans_planned.
    if (!control_->client_report()) {
      result.spans_sent = 0;
      result.spans_per_second = 0;
    }
    return RunFailed(why, result);
  };
  if (rep.stopped) throw failed("run of " + entry.name + " stopped on request; client killed");
  if (rep.timed_out) {
    throw failed(fmt::format(
        "client {} did not finish within {:.0f}s ({} x runtime + {:.0f}s{}); its process group was "
        "killed; "
        "see {} or pass --no-timeout",
        entry.name, double(mon.timeout->count()) / 1000, options.timeout_factor,
        kTimeoutAllowanceSeconds,
        options.profile ? fmt::format(" + {}s for perf to attach", kProfileAttachSeconds) : "",
        log_file.string()));
  }
  if (!rep.exit.exited_normally() || rep.exit.exit_code() != 0) {
    throw failed(fmt::format("client {} failed ({}); last lines of {}:\n{}", entry.name,
                             rep.exit.describe(), log_file.string(), tail_lines(log_file, 10)));
  }
  if (control_->commands_served() == 0) {
    throw failed(fmt::format(
        "client {} exited without asking for its command at {}: it must GET SPANBENCH_CONTROL_URL; "
        "see {}",
        entry.name, control_->url(), log_file.string()));
  }
  if (auto cr = control_->client_report()) {
    if (auto problem = client_word_problem(entry.name, *cr, command, result.clock_time);
        !problem.empty()) {
      throw failed(problem);
    }
  }

  if (options.sink) {
    take_sink_counts(result, settle(*options.sink, result.spans_sent, options.settle_limit));
  }
  // Drops are only known where spans land: a traced run with satellites.
  result.dropped_spans =
      options.sink && command.trace ? result.spans_sent - result.spans_received : 0;
  detect_disturbance(result, command, options.sink != nullptr);
  if (perf) {
    auto folded = options.profile_folded.empty()
                      ? std::filesystem::path(log_file).replace_extension(".folded")
                      : options.profile_folded;
    result.profile =
        make_profile(*perf, control_->marks(), folded, perf_cpu_seconds, profiling->notes);
  }
  log().info("run done: {}", to_json(result).dump());
  return result;
}

Result Controller::run(const RunOptions& options_in, Calibration& calibration) {
  RunOptions options = options_in;
  options.target_cpu = calibration.target_cpu;
  const RateFit* fit = calibration.fit_for(options.spans_per_second);
  bool fresh = false;
  if (!fit && options.fit_rate) {
    fit = &fit_rate(calibration, options.spans_per_second, options.runtime_seconds);
    fresh = true;
  }
  auto key = std::make_pair(calibration.client, options.spans_per_second);
  if (fit &&
      std::find(announced_fits_.begin(), announced_fits_.end(), key) == announced_fits_.end()) {
    announced_fits_.push_back(key);
    if (options_.on_rate_fit) options_.on_rate_fit(calibration, *fit, fresh);
  }
  RunPlan plan = plan_run(calibration, options.spans_per_second, options.runtime_seconds);
  return run_command(options, command_for(plan, options));
}

Calibration Controller::calibrate(const std::string& client, const CalibrationOptions& options) {
  if (!(options.target_cpu > 0 && options.target_cpu < 1)) {
    throw UsageError("target CPU must be between 0 and 1 (e.g. 0.7 for 70% of a core)");
  }
  registry_.get(client);  // unknown names fail before any probe runs
  auto t0 = Clock::now();
  Calibration c;
  c.client = client;
  c.target_cpu = options.target_cpu;

  RunOptions ro;
  ro.client = client;
  ro.trace = false;
  ro.runtime_seconds = 10;  // probe timeouts: 20 s
  c.startup_cpu_seconds = c.startup_wall_seconds = 1e9;
  auto probe = [&](int64_t repeat, int64_t work) {
    ControlCommand cmd;
    cmd.trace = false;
    cmd.repeat = repeat;
    cmd.work = work;
    cmd.sleep_ns = 0;
    ++c.probe_runs;
    Result r = run_command(ro, cmd);
    log().debug("calibration probe repeat={} work={} -> loop cpu={:.6f}s wall={:.6f}s", repeat,
                work, r.loop_cpu_seconds, r.loop_seconds);
    if (r.spans_sent != repeat) {
      throw Error(fmt::format(
          "client {} breaks the control protocol: asked for Repeat={} spans, it reported "
          "SpansSent={} in /result",
          client, repeat, r.spans_sent));
    }
    c.startup_cpu_seconds = std::min(c.startup_cpu_seconds, r.startup_cpu_seconds);
    c.startup_wall_seconds = std::min(c.startup_wall_seconds, r.startup_seconds);
    return r.loop_cpu_seconds;
  };

  // Work cost: grow the work until the loop takes a measurable 0.1 s.
  const int64_t work_repeat = 100;
  int64_t work = 10'000;
  double work_cpu = 0, first_work_cpu = -1;
  int64_t first_work = work;
  auto ignores_work = [&] {
    // A hundred times the Work gave less than three times the CPU (a JIT's
    // warm-up makes the first probe dear, hence the slack).
    return double(work) / double(first_work) >= 100 && work_cpu < 3 * first_work_cpu;
  };
  for (int i = 0; i < 8; ++i) {
    work_cpu = probe(work_repeat, work);
    if (first_work_cpu < 0) first_work_cpu = work_cpu;
    if (work_cpu >= 0.1 || ignores_work()) break;
    work = std::min<int64_t>(
        1'000'000'000'000,
        int64_t(double(work) * std::clamp(0.15 / std::max(work_cpu, 1e-4), 2.0, 100.0)));
  }
  if (work_cpu < 0.1 || ignores_work()) {
    throw Error(
        fmt::format("client {} breaks the control protocol: its loop CPU did not grow with Work "
                    "({:.1f} ms at Work={}, {:.1f} ms at Work={}); each span must do Work float "
                    "multiplications",
                    client, first_work_cpu * 1e3, first_work, work_cpu * 1e3, work));
  }
  // Per-span cost of the no-op tracer (tags and logs included).
  int64_t span_repeat = 5'000;
  double span_cpu = 0;
  for (int i = 0; i < 6; ++i) {
    span_cpu = probe(span_repeat, 0);
    if (span_cpu >= 0.05 || span_repeat >= 2'000'000) break;
    span_repeat = std::min<int64_t>(
        2'000'000,
        int64_t(double(span_repeat) * std::clamp(0.08 / std::max(span_cpu, 1e-4), 2.0, 50.0)));
  }
  fit_cost_model(c, work_cpu, work_repeat, work, span_cpu, span_repeat);
  // A float multiplication takes about a nanosecond; far less means the
  // Work was skipped (or optimised away).
  if (c.work_ns_per_unit < 0.05) {
    throw Error(fmt::format(
        "client {} breaks the control protocol: {:.3g} ns per unit of Work is too cheap to be a "
        "float multiplication; each span must do Work multiplications the compiler cannot drop",
        client, c.work_ns_per_unit));
  }
  c.calibration_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  log().info("calibration: {}", to_json(c).dump());
  return c;
}

const RateFit& Controller::fit_rate(Calibration& c, double spans_per_second, double runtime_seconds,
                                    const CalibrationOptions& options) {
  auto t0 = Clock::now();
  RateFit fresh;
  fresh.spans_per_second = spans_per_second;
  if (RateFit* old = c.fit_for(spans_per_second)) {
    *old = fresh;
  } else {
    c.rates.push_back(fresh);
  }
  const double runtime = std::min(runtime_seconds, options.verify_runtime_seconds);

  RunOptions ro;
  ro.client = c.client;
  ro.trace = false;
  ro.spans_per_second = spans_per_second;
  ro.runtime_seconds = runtime;
  ro.target_cpu = c.target_cpu;
  ro.timeout_factor = 4;  // verification runs of short loops: allow for slow start-up
  for (int i = 0; i < options.max_verify_runs; ++i) {
    RunPlan plan = plan_run(c, spans_per_second, runtime);
    Result v = run_command(ro, command_for(plan, ro));
    RateFit& fit = *c.fit_for(spans_per_second);
    auto noise = machine_noise(v);
    if (!noise.empty()) {
      // The machine set this run's pace: correcting from it would fit the
      // noise. Count it and try again.
      ++fit.iterations;
      fit.converged = false;
      fit.noisy_runs += 1;
      log().warn("calibration at {} spans/s: verification {} not used: {}", spans_per_second,
                 fit.iterations, noise.front());
      continue;
    }
    if (v.loop_seconds > 0 && v.loop_cpu_seconds / v.loop_seconds > 1.05) {
      throw Error(fmt::format(
          "client {} breaks the control protocol: its loop used {:.0f}% of a core with one "
          "thread of work planned at {:.0f}%; the loop must do only the Work it is told",
          c.client, 100 * v.loop_cpu_seconds / v.loop_seconds, 100 * plan.expected_cpu));
    }
    bool ok = verify_and_correct(c, fit, plan, runtime, v.loop_cpu_seconds, v.loop_seconds,
                                 options.tolerance);
    log().info("calibration at {} spans/s: verification {} cpu {:+.2f} points rate {:+.2f}%",
               spans_per_second, fit.iterations, fit.cpu_error_points, fit.rate_error * 100);
    if (ok) break;
    if (std::abs(fit.cpu_error_points) > 25 && fit.iterations >= 2) {
      throw Error(fmt::format(
          "client {} breaks the control protocol: on a quiet machine, verification run {} at "
          "{} spans/s used {:+.0f} points of CPU share beyond the plan; it must sleep and work "
          "as told",
          c.client, fit.iterations, spans_per_second, fit.cpu_error_points));
    }
  }
  RateFit& fit = *c.fit_for(spans_per_second);
  fit.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return fit;
}

}  // namespace spanbench
