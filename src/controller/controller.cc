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
#include "process/process_monitor.h"

namespace spanbench {
namespace {

using Clock = std::chrono::steady_clock;

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

Controller::Controller(ControllerOptions options)
    : options_(std::move(options)), registry_(ClientRegistry::load(options_.clients_file)) {
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

  Result result;
  result.client = entry.name;
  result.trace = command.trace;
  result.target_spans_per_second = options.spans_per_second;
  result.target_runtime = options.runtime_seconds;
  result.satellites = options.sink ? options.sink_label : "none";

  auto log_file = next_log_file(entry.name, command.trace);
  result.log_file = log_file.string();
  control_->arm(command);
  if (options.sink) options.sink->reset();

  SpawnOptions spawn;
  spawn.argv = entry.command;
  spawn.extra_env = {{"SPANBENCH_CONTROL_URL", control_->url()}};
  spawn.working_dir = registry_.base_dir();
  spawn.log_file = log_file;

  MonitorOptions mon;
  if (options.timeout) {
    double limit_s = std::max(options.timeout_factor * options.runtime_seconds, 1.0);
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
  if (options.sink) options.sink->run_started();
  MonitorReport rep = monitor_until_exit(child, started, mon);
  if (options.sink) options.sink->run_finished();

  result.program_time = rep.cpu_seconds;
  result.clock_time = rep.clock_seconds;
  result.cpu_usage = rep.clock_seconds > 0 ? rep.cpu_seconds / rep.clock_seconds : 0;
  result.cpu_list = rep.cpu_list;
  result.memory_list = rep.memory_list;
  result.max_rss_bytes = rep.max_rss_bytes;
  result.spans_sent = command.repeat;
  if (auto cr = control_->client_report()) {
    if (cr->spans_sent >= 0) result.spans_sent = cr->spans_sent;
    result.client_loop_seconds = cr->loop_seconds;
    result.client_flush_seconds = cr->flush_seconds;
  }
  result.spans_per_second =
      result.clock_time > 0 ? double(result.spans_sent) / result.clock_time : 0;

  auto failed = [&](const std::string& why) {
    log().error("run failed: {}", why);
    return RunFailed(why, result);
  };
  if (rep.stopped) throw failed("run of " + entry.name + " stopped on request; client killed");
  if (rep.timed_out) {
    throw failed(fmt::format(
        "client {} did not finish within {:.0f}s ({} x runtime); its process group was killed; "
        "see {} or pass --no-timeout",
        entry.name, double(mon.timeout->count()) / 1000, options.timeout_factor,
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

  if (options.sink) {
    SinkCounts counts = settle(*options.sink, result.spans_sent, options.settle_limit);
    result.spans_received = int64_t(counts.spans_received);
    result.duplicate_spans = int64_t(counts.duplicate_spans);
    result.received_tags = int64_t(counts.tags);
    result.received_logs = int64_t(counts.logs);
  }
  // Drops are only known where spans land: a traced run with satellites.
  result.dropped_spans =
      options.sink && command.trace ? result.spans_sent - result.spans_received : 0;
  log().info("run done: {}", to_json(result).dump());
  return result;
}

Result Controller::run(const RunOptions& options, const Calibration& calibration) {
  RunPlan plan = plan_run(calibration, options.spans_per_second, options.runtime_seconds);
  ControlCommand c;
  c.trace = options.trace;
  c.work = plan.work;
  c.repeat = plan.repeat;
  c.sleep_ns = plan.sleep_ns;
  c.sleep_interval_ns = plan.sleep_interval_ns;
  c.no_flush = options.no_flush;
  c.num_tags = options.num_tags;
  c.num_logs = options.num_logs;
  return run_command(options, c);
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
  auto probe = [&](int64_t repeat, int64_t work, int64_t sleep_ns = 0,
                   int64_t interval = 100'000'000) {
    ControlCommand cmd;
    cmd.trace = false;
    cmd.repeat = repeat;
    cmd.work = work;
    cmd.sleep_ns = sleep_ns;
    cmd.sleep_interval_ns = interval;
    ++c.probe_runs;
    Result r = run_command(ro, cmd);
    log().debug("calibration probe repeat={} work={} sleep={} -> cpu={:.6f}s wall={:.6f}s", repeat,
                work, sleep_ns, r.program_time, r.clock_time);
    return r;
  };

  // Start-up and exit cost: the cheaper of two one-span runs.
  Result s1 = probe(1, 0), s2 = probe(1, 0);
  double startup_cpu = std::min(s1.program_time, s2.program_time);
  c.startup_wall_seconds = std::min(s1.clock_time, s2.clock_time);

  // Work cost: grow the work until the loop takes a measurable 0.25 s.
  int64_t work_repeat = 100, work = 10'000;
  double work_cpu = 0;
  for (int i = 0; i < 8; ++i) {
    work_cpu = probe(work_repeat, work).program_time;
    double loop = work_cpu - startup_cpu;
    if (loop >= 0.25) break;
    work = int64_t(double(work) * std::clamp(0.35 / std::max(loop, 1e-4), 2.0, 100.0));
  }
  // Per-span cost of the no-op tracer (tags and logs included).
  int64_t span_repeat = 5'000;
  double span_cpu = 0;
  for (int i = 0; i < 6; ++i) {
    span_cpu = probe(span_repeat, 0).program_time;
    double loop = span_cpu - startup_cpu;
    if (loop >= 0.1 || span_repeat >= 2'000'000) break;
    span_repeat = std::min<int64_t>(
        2'000'000,
        int64_t(double(span_repeat) * std::clamp(0.15 / std::max(loop, 1e-4), 2.0, 50.0)));
  }
  fit_cost_model(c, startup_cpu, work_cpu, work_repeat, work, span_cpu, span_repeat);

  // Verification run under the real sleep pattern, then correct the model.
  RunPlan plan = plan_run(c, options.verify_spans_per_second, options.verify_runtime_seconds);
  Result v = probe(plan.repeat, plan.work, plan.sleep_ns, plan.sleep_interval_ns);
  correct_from_verification(c, plan, options.verify_runtime_seconds, v.program_time, v.clock_time);

  c.calibration_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  log().info("calibration: {}", to_json(c).dump());
  return c;
}

Calibration Controller::calibrate_cached(const std::string& client,
                                         const CalibrationOptions& options,
                                         const std::filesystem::path& file) {
  if (std::filesystem::exists(file)) {
    Calibration c = load_calibration(file);
    if (c.client == client && std::abs(c.target_cpu - options.target_cpu) < 1e-9) {
      log().info("calibration: reusing {}", file.string());
      return c;
    }
    log().info("calibration: {} is for {} at {}; recalibrating", file.string(), c.client,
               c.target_cpu);
  }
  Calibration c = calibrate(client, options);
  save_calibration(c, file);
  return c;
}

}  // namespace spanbench
