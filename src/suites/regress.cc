#include "suites/regress.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_io.h"
#include "core/toml_text.h"
#include "report/json_reporter.h"
#include "stats/statistics.h"
#include "suites/runner.h"

namespace spanbench {
namespace {

using Clock = std::chrono::steady_clock;

std::string mib(int64_t bytes) { return fmt::format("{:.1f} MiB", double(bytes) / (1 << 20)); }
std::string rate_text(double r) { return fmt::format("{:g}", r); }

}  // namespace

RegressProfile parse_regress_profile(const std::string& toml_text, const std::string& name,
                                     const std::string& source_name) {
  toml::table root = parse_user_toml(toml_text, source_name);
  TomlReader r(source_name);
  // Every profile's shape is checked, not only the chosen one's: a
  // misspelt key anywhere would otherwise be ignored until that profile runs.
  for (const auto& [profile, node] : root) {
    std::string pname(profile.str());
    if (!node.is_table()) {
      throw UsageError(
          fmt::format("{}:{}: unknown key {}; the file holds only [PROFILE.CHECK] tables",
                      source_name, node.source().begin.line, pname));
    }
    const toml::table& checks = *node.as_table();
    reject_unknown_keys(checks, {"memory", "dropped", "cpu", "throughput"}, source_name, pname);
    auto keys = [&](const char* check, std::initializer_list<std::string_view> known) {
      if (const toml::table* t = checks[check].as_table()) {
        reject_unknown_keys(*t, known, source_name, pname + "." + check);
      }
    };
    keys("memory", {"enabled", "spans_per_second", "short_runtime", "long_runtime", "max_ratio"});
    keys("dropped", {"enabled", "rates", "runtime", "max_dropped"});
    keys("cpu", {"enabled", "spans_per_second", "runtime", "trials", "max_overhead_points"});
    keys("throughput", {"enabled", "rates", "runtime", "max_cpu", "min_achieved_fraction",
                        "min_spans_per_second"});
  }
  const toml::table* p = r.table(root, name.c_str());
  if (!p) {
    std::string names;
    for (const auto& [k, v] : root) {
      if (v.is_table()) names += (names.empty() ? "" : ", ") + std::string(k.str());
    }
    throw UsageError(fmt::format("{} has no profile \"{}\"; it has: {}", source_name, name,
                                 names.empty() ? "none" : names));
  }
  RegressProfile out;
  out.name = name;
  if (const auto* t = r.table(*p, "memory")) {
    r.flag(*t, "enabled", out.memory.enabled);
    r.number(*t, "spans_per_second", out.memory.spans_per_second, 0.001);
    r.number(*t, "short_runtime", out.memory.short_runtime_seconds, 0.1);
    r.number(*t, "long_runtime", out.memory.long_runtime_seconds, 0.1);
    r.number(*t, "max_ratio", out.memory.max_ratio, 0);
  }
  if (const auto* t = r.table(*p, "dropped")) {
    r.flag(*t, "enabled", out.dropped.enabled);
    r.rates(*t, "rates", out.dropped.rates);
    r.number(*t, "runtime", out.dropped.runtime_seconds, 0.1);
    r.integer(*t, "max_dropped", out.dropped.max_dropped, 0);
  }
  if (const auto* t = r.table(*p, "cpu")) {
    r.flag(*t, "enabled", out.cpu.enabled);
    r.number(*t, "spans_per_second", out.cpu.spans_per_second, 0.001);
    r.number(*t, "runtime", out.cpu.runtime_seconds, 0.1);
    int64_t trials = out.cpu.trials;
    r.integer(*t, "trials", trials, 1);
    out.cpu.trials = int(trials);
    r.number(*t, "max_overhead_points", out.cpu.max_overhead_points, -100);
  }
  if (const auto* t = r.table(*p, "throughput")) {
    r.flag(*t, "enabled", out.throughput.enabled);
    r.rates(*t, "rates", out.throughput.rates);
    r.number(*t, "runtime", out.throughput.runtime_seconds, 0.1);
    r.number(*t, "max_cpu", out.throughput.max_cpu, 0);
    r.number(*t, "min_achieved_fraction", out.throughput.min_achieved_fraction, 0);
    r.number(*t, "min_spans_per_second", out.throughput.min_spans_per_second, 0);
  }
  return out;
}

RegressProfile load_regress_profile(const std::filesystem::path& file, const std::string& name) {
  const std::optional<std::string> text = try_read_file(file);
  if (!text) {
    throw UsageError("cannot read suite file " + file.string() +
                     ": pass --suite FILE (the repository ships suites/regress.toml)");
  }
  return parse_regress_profile(*text, name, file.string());
}

Verdict RegressReport::verdict() const {
  if (interrupted || checks.empty()) return Verdict::fail;
  auto any = [&](Verdict v) {
    return std::any_of(checks.begin(), checks.end(), [v](const auto& c) { return c.verdict == v; });
  };
  if (any(Verdict::fail)) return Verdict::fail;
  if (any(Verdict::noisy)) return Verdict::noisy;
  return Verdict::pass;
}

void apply_noise(RegressCheckResult& check, const std::vector<NamedResult>& runs,
                 bool allow_noise) {
  std::vector<std::string> disturbed = disturbed_runs(runs);
  if (disturbed.empty()) return;
  std::string list;
  for (const auto& d : disturbed) list += (list.empty() ? "" : ", ") + d;
  std::string what =
      fmt::format("{} of {} runs disturbed: {}", disturbed.size(), runs.size(), list);
  if (allow_noise) {
    check.detail += (check.detail.empty() ? "" : "; ") + what + " (accepted with --allow-noise)";
    return;
  }
  check.verdict = Verdict::noisy;
  check.noise = check.noise.empty() ? what : check.noise + "; " + what;
}

void judge_cpu_check(RegressCheckResult& c, const CpuCheckConfig& p,
                     const std::vector<NamedResult>& traced,
                     const std::vector<NamedResult>& untraced) {
  // Noise is judged by apply_noise, apart: here only the figures.
  OverheadAnalysis a = analyze_overhead(traced, untraced, /*allow_noise=*/true);
  c.measured = a.cpu_points.estimate;
  c.measured_text = fmt::format("{:+.1f} points", c.measured);
  c.detail = fmt::format(
      "traced {:.1f}% (sd {:.1f}), untraced {:.1f}% (sd {:.1f}); traced - untraced {} points, {} "
      "ns per span",
      a.traced_cpu.median * 100, a.traced_cpu.sd * 100, a.untraced_cpu.median * 100,
      a.untraced_cpu.sd * 100, interval_text(a.cpu_points, 1, 1, ""),
      interval_text(a.cpu_ns_per_span, 1, 0, ""));
  using Status = OverheadAnalysis::Status;
  if (a.status == Status::no_runs) {
    c.verdict = Verdict::fail;
    c.measured_text = "no runs";
  } else if (a.status == Status::measurement_problem) {
    c.verdict = Verdict::noisy;
    c.noise =
        "measurement problem: the traced runs used less CPU than the untraced ones beyond "
        "the 95% interval; a tracer cannot cost less than nothing";
  } else if (a.status == Status::rate_not_held) {
    c.verdict = Verdict::fail;
    c.measured_text = fmt::format("rate not held ({:.0f} spans/s)", a.traced_sps.median);
    c.detail = fmt::format(
        "the traced client reached {:.1f} spans/s, {:.1f}% below the untraced "
        "{:.1f}: it cannot keep up at {:g} spans/s, so its CPU share "
        "difference is not its overhead; {}",
        a.traced_sps.median, a.rate_shortfall * 100, a.untraced_sps.median, p.spans_per_second,
        c.detail);
  } else {
    c.verdict = c.measured < p.max_overhead_points ? Verdict::pass : Verdict::fail;
  }
}

nlohmann::json to_json(const RegressReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : report.checks) {
    checks.push_back({{"name", c.name},
                      {"description", c.description},
                      {"measured", c.measured},
                      {"measured_text", c.measured_text},
                      {"limit", c.limit},
                      {"limit_text", c.limit_text},
                      {"passed", c.passed()},
                      {"verdict", verdict_name(c.verdict)},
                      {"noise", c.noise},
                      {"detail", c.detail},
                      {"seconds", c.seconds}});
  }
  return {{"suite", "regress"},
          {"client", report.client},
          {"profile", report.profile},
          {"passed", report.passed()},
          {"verdict", verdict_name(report.verdict())},
          {"interrupted", report.interrupted},
          {"checks", checks}};
}

JUnitSuite to_junit(const RegressReport& report) {
  JUnitSuite s;
  s.name = "spanbench regress " + report.client + " (" + report.profile + ")";
  for (const auto& c : report.checks) {
    JUnitCase jc;
    jc.name = c.name;
    jc.classname = "spanbench.regress." + report.client;
    jc.seconds = c.seconds;
    jc.output = fmt::format("{}: measured {}, limit {}. {}", c.description, c.measured_text,
                            c.limit_text, c.detail);
    if (c.verdict == Verdict::fail) {
      jc.failure = fmt::format("{}: measured {}, limit {}. {}", c.name, c.measured_text,
                               c.limit_text, c.detail);
    } else if (c.verdict == Verdict::noisy) {
      jc.failure = fmt::format("{}: noisy, no verdict: {}. Measured {}, limit {}. {}", c.name,
                               c.noise, c.measured_text, c.limit_text, c.detail);
    }
    s.cases.push_back(std::move(jc));
  }
  return s;
}

std::string format_regress_table(const RegressReport& report) {
  size_t w_name = 5, w_meas = 8, w_lim = 5;
  for (const auto& c : report.checks) {
    w_name = std::max(w_name, c.name.size());
    w_meas = std::max(w_meas, c.measured_text.size());
    w_lim = std::max(w_lim, c.limit_text.size());
  }
  std::string s = fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", "check", w_name, "measured", w_meas,
                              "limit", w_lim, "verdict");
  for (const auto& c : report.checks) {
    s += fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", c.name, w_name, c.measured_text, w_meas,
                     c.limit_text, w_lim, verdict_label(c.verdict));
  }
  return s;
}

namespace {

// The state the checks of one regress share: the satellites, the report so
// far, and the runs of the check in progress.
class RegressSuite {
 public:
  RegressSuite(Runner& runner, const RegressOptions& options, const RegressCallbacks& callbacks)
      : runner_(runner),
        options_(options),
        callbacks_(callbacks),
        recorder_(runner, options.client, "typical", options.satellite_ports),
        runs_dir_(options.out_dir / "runs") {
    report_.client = recorder_.client().name;
    report_.profile = options.profile.name;
    std::filesystem::create_directories(runs_dir_);
  }

  // One traced or untraced run, saved to runs/ as soon as it is measured
  // (the reference holds until the next run). A failed run throws RunFailed
  // after its partial result is saved.
  const NamedResult& run(const std::string& label, bool trace, double sps, double runtime) {
    if (callbacks_.on_run) callbacks_.on_run(label);
    RunOptions ro = recorder_.options();
    ro.trace = trace;
    ro.spans_per_second = sps;
    ro.runtime_seconds = runtime;
    ro.num_tags = options_.num_tags;
    ro.num_logs = options_.num_logs;
    auto file = runs_dir_ / fmt::format("{:03d}-{}.json", ++run_number_, label);
    Result r = recorder_.run(ro, {file});
    check_runs_.push_back({file.filename().string(), r});
    return check_runs_.back();
  }

  // Runs `body` as one check; a failed run fails the check unless the user
  // asked to stop, which ends the suite.
  void check(RegressCheckResult c, const std::function<void(RegressCheckResult&)>& body) {
    auto t0 = Clock::now();
    check_runs_.clear();
    try {
      body(c);
      apply_noise(c, check_runs_, options_.allow_noise);
    } catch (const RunFailed& e) {
      if (stopping()) {
        report_.interrupted = true;
        save_summary();
        throw;
      }
      c.verdict = Verdict::fail;
      c.measured_text = "run failed";
      c.detail = e.what();
    }
    c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    report_.checks.push_back(c);
    save_summary();
    if (callbacks_.on_check) callbacks_.on_check(report_.checks.back());
  }

  const RegressReport& report() const { return report_; }

 private:
  bool stopping() const {
    return runner_.stop_requested() || (options_.stop_flag && options_.stop_flag->load());
  }
  void save_summary() const {
    write_json_file(to_json(report_), options_.out_dir / "regress.json");
    if (!options_.junit_file.empty())
      write_file_atomically(options_.junit_file, junit_xml(to_junit(report_)));
  }

  Runner& runner_;
  const RegressOptions& options_;
  const RegressCallbacks& callbacks_;
  RunRecorder recorder_;
  std::filesystem::path runs_dir_;
  RegressReport report_;
  int run_number_ = 0;
  std::vector<NamedResult> check_runs_;  // the runs of the check in progress
};

void memory_check(RegressSuite& suite, const MemoryCheckConfig& m) {
  RegressCheckResult spec;
  spec.name = "memory";
  spec.description =
      fmt::format("peak RSS of a {:g} s run over that of a {:g} s run, at {:g} spans/s",
                  m.long_runtime_seconds, m.short_runtime_seconds, m.spans_per_second);
  spec.limit = m.max_ratio;
  spec.limit_text = fmt::format("<= {:g}x", m.max_ratio);
  suite.check(spec, [&](RegressCheckResult& c) {
    Result s = suite
                   .run(fmt::format("memory-{:g}s", m.short_runtime_seconds), true,
                        m.spans_per_second, m.short_runtime_seconds)
                   .result;
    Result l = suite
                   .run(fmt::format("memory-{:g}s", m.long_runtime_seconds), true,
                        m.spans_per_second, m.long_runtime_seconds)
                   .result;
    c.measured = s.max_rss_bytes > 0 ? double(l.max_rss_bytes) / double(s.max_rss_bytes) : 0;
    c.measured_text = fmt::format("{:.2f}x", c.measured);
    c.verdict = s.max_rss_bytes > 0 && c.measured <= m.max_ratio ? Verdict::pass : Verdict::fail;
    c.detail = fmt::format("{:g} s run: {} peak; {:g} s run: {} peak", m.short_runtime_seconds,
                           mib(s.max_rss_bytes), m.long_runtime_seconds, mib(l.max_rss_bytes));
  });
}

void dropped_check(RegressSuite& suite, const DroppedCheckConfig& d) {
  RegressCheckResult spec;
  spec.name = "dropped";
  std::string rates;
  for (double r : d.rates) rates += (rates.empty() ? "" : " and ") + rate_text(r);
  spec.description =
      fmt::format("spans dropped at {} spans/s ({:g} s runs)", rates, d.runtime_seconds);
  spec.limit = double(d.max_dropped);
  spec.limit_text = fmt::format("<= {} per rate", d.max_dropped);
  suite.check(spec, [&](RegressCheckResult& c) {
    int64_t worst = 0;
    bool clean = true;
    for (double rate : d.rates) {
      const Result& r =
          suite.run(fmt::format("dropped-{}sps", rate_text(rate)), true, rate, d.runtime_seconds)
              .result;
      worst = std::max(worst, r.dropped_spans);
      clean = clean && r.dropped_spans <= d.max_dropped && r.spans_sent > 0;
      c.detail += fmt::format("{}{} spans/s: {} of {} dropped", c.detail.empty() ? "" : "; ",
                              rate_text(rate), r.dropped_spans, r.spans_sent);
    }
    c.measured = double(worst);
    c.measured_text = fmt::format("{} dropped", worst);
    c.verdict = clean ? Verdict::pass : Verdict::fail;
  });
}

void cpu_check(RegressSuite& suite, const CpuCheckConfig& p) {
  RegressCheckResult spec;
  spec.name = "cpu";
  spec.description = fmt::format(
      "traced minus untraced CPU share of the span loop at {:g} spans/s, "
      "Hodges-Lehmann estimate over {} runs each",
      p.spans_per_second, p.trials);
  spec.limit = p.max_overhead_points;
  spec.limit_text = fmt::format("< {:g} points", p.max_overhead_points);
  suite.check(spec, [&](RegressCheckResult& c) {
    std::vector<NamedResult> traced, untraced;
    for (int t = 1; t <= p.trials; ++t) {
      // Alternate so that drift in the machine hits both sides alike.
      traced.push_back(
          suite.run(fmt::format("cpu-traced-{}", t), true, p.spans_per_second, p.runtime_seconds));
      untraced.push_back(suite.run(fmt::format("cpu-untraced-{}", t), false, p.spans_per_second,
                                   p.runtime_seconds));
    }
    judge_cpu_check(c, p, traced, untraced);
  });
}

void throughput_check(RegressSuite& suite, const ThroughputCheckConfig& p) {
  RegressCheckResult spec;
  spec.name = "throughput";
  spec.description =
      fmt::format("highest span rate with nothing dropped and at most {:g}% CPU ({:g} s runs)",
                  p.max_cpu * 100, p.runtime_seconds);
  spec.limit = p.min_spans_per_second;
  spec.limit_text = fmt::format(">= {:g} spans/s", p.min_spans_per_second);
  suite.check(spec, [&](RegressCheckResult& c) {
    double best = 0;
    for (double rate : p.rates) {
      const Result& r =
          suite.run(fmt::format("throughput-{}sps", rate_text(rate)), true, rate, p.runtime_seconds)
              .result;
      std::string why;
      if (r.dropped_spans > 0)
        why = fmt::format("{} dropped", r.dropped_spans);
      else if (r.cpu_usage > p.max_cpu)
        why = fmt::format("{:.1f}% CPU", r.cpu_usage * 100);
      else if (r.spans_per_second < p.min_achieved_fraction * rate)
        why = fmt::format("only {:.0f} spans/s achieved", r.spans_per_second);
      c.detail += fmt::format("{}{} spans/s: {:.1f}% CPU, {} dropped{}",
                              c.detail.empty() ? "" : "; ", rate_text(rate), r.cpu_usage * 100,
                              r.dropped_spans, why.empty() ? "" : " (stop: " + why + ")");
      if (!why.empty()) break;
      best = rate;
    }
    if (best == p.rates.back()) c.detail += " (every rate of the sweep was clean)";
    c.measured = best;
    c.measured_text = fmt::format("{:g} spans/s", best);
    c.verdict = best >= p.min_spans_per_second ? Verdict::pass : Verdict::fail;
  });
}

}  // namespace

RegressReport run_regress(Runner& runner, const RegressOptions& options,
                          const RegressCallbacks& callbacks) {
  const ClientEntry& entry = runner.client(options.client);
  if (!entry.reports_over_network()) {
    throw UsageError("client " + entry.name +
                     " reports nowhere (protocol \"none\"): regress needs a client that reports "
                     "spans, so that drops can be counted");
  }
  RegressSuite suite(runner, options, callbacks);
  const RegressProfile& p = options.profile;
  if (p.memory.enabled) memory_check(suite, p.memory);
  if (p.dropped.enabled) dropped_check(suite, p.dropped);
  if (p.cpu.enabled) cpu_check(suite, p.cpu);
  if (p.throughput.enabled) throughput_check(suite, p.throughput);
  return suite.report();
}

}  // namespace spanbench
