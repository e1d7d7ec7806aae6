#include "report/leaderboard.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "controller/client_registry.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/result.h"
#include "report/csv.h"
#include "report/format.h"
#include "report/summary.h"
#include "suites/overhead.h"

namespace spanbench {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSweepFormat = "spanbench-sweep/1";
constexpr const char* kUntracedMode = "untraced";
constexpr double kMiB = 1024.0 * 1024.0;

// One run file of a group, as read.
struct GroupRun {
  NamedResult run;
  std::string host;
  std::optional<double> latency_p50, latency_p99;  // when the run measured them
};

// Everything under runs/<client>/<rate>/.
struct GroupFiles {
  std::string client;
  double rate = 0;
  std::map<std::string, std::vector<GroupRun>> runs_by_mode;
  std::set<std::string> hosts;
  size_t failed = 0;
};

std::optional<double> json_number(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return std::nullopt;
  double v = it->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

// The machine a run file names: its context's host.
std::string host_of(const nlohmann::json& doc) {
  auto it = doc.find("context");
  if (it == doc.end() || !it->is_object()) return "";
  for (const char* key : {"host", "hostname"}) {
    auto h = it->find(key);
    if (h != it->end() && h->is_string() && !h->get<std::string>().empty()) {
      return h->get<std::string>();
    }
  }
  return "";
}

bool is_run_file(const fs::path& f) {
  std::string name = f.filename().string();
  return name.rfind("run-", 0) == 0 && f.extension() == ".json";
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (directories ? it->is_directory(ec) : it->is_regular_file(ec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Reads one mode folder's run files into `g`; unreadable and failed
// files are counted (and unreadable ones named in `warnings`).
void read_mode(const fs::path& mode_dir, const fs::path& root, GroupFiles& g,
               std::vector<std::string>& warnings) {
  std::string mode = mode_dir.filename().string();
  for (const auto& f : sorted_entries(mode_dir, false)) {
    if (!is_run_file(f)) continue;
    std::string rel = fs::relative(f, root).generic_string();
    auto text = try_read_file(f);
    auto doc = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
    if (!text || doc.is_discarded() || !doc.is_object()) {
      ++g.failed;
      warnings.push_back(rel + " is not a readable result file; left out");
      continue;
    }
    std::string host = host_of(doc);
    if (!host.empty()) g.hosts.insert(host);
    if (doc.contains("error")) {
      ++g.failed;
      continue;
    }
    GroupRun run;
    try {
      run.run = {mode + "/" + f.filename().string(), result_from_json(doc)};
    } catch (const nlohmann::json::exception&) {
      ++g.failed;
      warnings.push_back(rel + " has fields of the wrong type; left out");
      continue;
    }
    run.host = host;
    auto spans = doc.find("export_latency_spans");
    bool has_latency = spans != doc.end() && spans->is_number() && spans->get<double>() > 0;
    if (has_latency) {
      run.latency_p50 = json_number(doc, "export_latency_p50_seconds");
      run.latency_p99 = json_number(doc, "export_latency_p99_seconds");
    }
    g.runs_by_mode[mode].push_back(std::move(run));
  }
}

std::vector<NamedResult> results_of(const std::vector<GroupRun>& runs) {
  std::vector<NamedResult> out;
  for (const auto& r : runs) out.push_back(r.run);
  return out;
}

std::optional<double> median_of(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  return stats::median(v);
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

LeaderboardRow make_row(const GroupFiles& g, const LeaderboardOptions& options) {
  LeaderboardRow row;
  row.client = g.client;
  row.rate = g.rate;
  static const std::vector<GroupRun> kNone;
  auto mode_runs = [&](const std::string& mode) -> const std::vector<GroupRun>& {
    auto it = g.runs_by_mode.find(mode);
    return it == g.runs_by_mode.end() ? kNone : it->second;
  };
  const auto& traced = mode_runs(kHealthyMode);
  const auto& untraced = mode_runs(kUntracedMode);

  // The tracer: the version string its runs reported (healthy traced runs
  // first, untraced ones, which run a no-op tracer, last), else the
  // registry's words.
  std::vector<const std::vector<GroupRun>*> by_preference = {&traced};
  for (const auto& [mode, runs] : g.runs_by_mode) {
    if (mode != kHealthyMode && mode != kUntracedMode) by_preference.push_back(&runs);
  }
  by_preference.push_back(&untraced);
  for (const auto* runs : by_preference) {
    for (const auto& r : *runs) {
      if (row.tracer.empty() && !r.run.result.tracer_version.empty()) {
        row.tracer = r.run.result.tracer_version;
        row.tracer_source = "tracer_version";
      }
    }
  }
  if (row.tracer.empty()) {
    auto d = options.tracer_descriptions.find(g.client);
    if (d != options.tracer_descriptions.end() && !d->second.empty()) {
      row.tracer = d->second;
      row.tracer_source = "registry";
    } else {
      row.tracer = g.client;
      row.tracer_source = "client";
    }
  }

  OverheadAnalysis a =
      analyze_overhead(results_of(traced), results_of(untraced), false, options.confidence);
  row.cpu_points = a.cpu_points;
  row.cpu_ns_per_span = a.cpu_ns_per_span;
  row.status = status_name(a.status);
  row.status_text = a.status_text;
  const double nan = std::nan("");
  row.spans_per_second = traced.empty() ? nan : a.traced_sps.median;
  row.untraced_spans_per_second = untraced.empty() ? nan : a.untraced_sps.median;
  row.rss_overhead_bytes =
      traced.empty() || untraced.empty() ? nan : a.traced_rss.median - a.untraced_rss.median;
  row.rate_held = !traced.empty() && !untraced.empty() && a.rate_held;

  std::vector<double> dropped, p50, p99;
  for (const auto& r : traced) {
    dropped.push_back(double(r.run.result.dropped_spans));
    row.dropped_healthy_total += r.run.result.dropped_spans;
    if (r.latency_p50 && r.latency_p99) {
      p50.push_back(*r.latency_p50);
      p99.push_back(*r.latency_p99);
    }
  }
  row.dropped_healthy = median_of(dropped);
  row.export_latency_p50_seconds = median_of(p50);
  row.export_latency_p99_seconds = median_of(p99);
  row.export_latency_runs = p50.size();
  for (const auto& [mode, runs] : g.runs_by_mode) {
    row.runs_by_mode[mode] = runs.size();
    for (const auto& r : runs) row.disturbed_runs += r.run.result.disturbed ? 1 : 0;
    if (mode == kHealthyMode || mode == kUntracedMode) continue;
    std::vector<double> d;
    for (const auto& r : runs) d.push_back(double(r.run.result.dropped_spans));
    if (auto m = median_of(d)) row.dropped_by_mode[mode] = *m;
  }
  row.held = row.rate_held && row.dropped_healthy_total == 0;
  row.machines.assign(g.hosts.begin(), g.hosts.end());
  row.machine = row.machines.empty() ? "unknown" : join(row.machines, ", ");
  row.failed_runs = g.failed;
  return row;
}

// Best first: the lowest CPU per span; rows whose CPU difference is not
// an overhead (rate not held) after those, rows without figures last.
int rank_class(const LeaderboardRow& r) {
  if (!r.cpu_ns_per_span.defined) return 2;
  return r.status == "rate_not_held" ? 1 : 0;
}

void sort_rows(std::vector<LeaderboardRow>& rows) {
  std::sort(rows.begin(), rows.end(), [](const LeaderboardRow& a, const LeaderboardRow& b) {
    int ca = rank_class(a), cb = rank_class(b);
    if (ca != cb) return ca < cb;
    if (ca < 2 && a.cpu_ns_per_span.estimate != b.cpu_ns_per_span.estimate) {
      return a.cpu_ns_per_span.estimate < b.cpu_ns_per_span.estimate;
    }
    return a.client < b.client;
  });
}

void add_machine_warnings(LeaderboardTable& t) {
  for (const auto& r : t.rows) {
    t.machines[r.mixed_machines() ? "mixed" : r.machine] += 1;
    if (r.mixed_machines()) {
      t.warnings.push_back(fmt::format(
          "MIXED MACHINES: {} at {} spans/s was measured on {}; its overhead compares runs of "
          "different machines and is not a measurement. A group must run on one machine: rerun "
          "it there (spanbench sweep --shard keeps a group on one shard)",
          r.client, rate_text(r.rate), join(r.machines, " and ")));
    }
  }
  std::vector<std::string> hosts;
  for (const auto& [host, rows] : t.machines) {
    if (host != "mixed")
      hosts.push_back(fmt::format("{}: {} row{}", host, rows, rows == 1 ? "" : "s"));
  }
  if (hosts.size() > 1) {
    t.warnings.push_back(fmt::format(
        "rows measured on different machines ({}): each overhead is within its own machine, but "
        "rows from different machines are not strictly comparable",
        join(hosts, ", ")));
  }
}

// "cpp-mock@1000" -> (client, rate).
std::optional<std::pair<std::string, double>> parse_group(const std::string& g) {
  auto at = g.rfind('@');
  double rate = 0;
  if (at == std::string::npos || !parse_number(g.substr(at + 1), rate)) return std::nullopt;
  return std::make_pair(g.substr(0, at), rate);
}

nlohmann::json interval_json(const stats::ShiftInterval& s) {
  if (!s.defined) return nullptr;
  return {{"estimate", s.estimate},     {"low", s.low},         {"high", s.high},
          {"confidence", s.confidence}, {"reached", s.reached}, {"exact", s.exact}};
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json finite_json(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

// ---- Text cells, shared by the console and Markdown --------------------

// "+1.23 [+0.90, +1.50]"; the reached confidence when below the asked one.
std::string interval_cell(const stats::ShiftInterval& s, int decimals) {
  if (!s.defined) return "-";
  auto signed_text = [&](double v) {
    std::string t = grouped(v, decimals);
    if (t.find_first_of("123456789") == std::string::npos) return t;
    return t[0] == '-' ? t : "+" + t;
  };
  std::string text =
      fmt::format("{} [{}, {}]", signed_text(s.estimate), signed_text(s.low), signed_text(s.high));
  if (!s.reached) text += fmt::format(" ({}%)", grouped(s.confidence * 100, 0));
  return text;
}

std::string latency_cell(const std::optional<double>& seconds) {
  if (!seconds) return "-";
  return readable(*seconds * 1e3, 3) + " ms";
}

std::string count_cell(const std::optional<double>& v) {
  if (!v) return "-";
  return readable(*v, 6);
}

std::string mib_cell(double bytes) {
  if (!std::isfinite(bytes)) return "-";
  std::string t = grouped(bytes / kMiB, 1);
  return (t[0] == '-' || t.find_first_of("123456789") == std::string::npos) ? t : "+" + t;
}

std::string held_cell(const std::optional<double>& rate) {
  return rate ? rate_text(*rate) : "none";
}

std::string note_cell(const LeaderboardRow& r) {
  if (r.status == "overhead") return "";
  if (r.status == "rate_not_held") return "rate not held";
  if (r.status == "measurement_problem") return "measurement problem";
  if (r.status == "no_runs") return "no traced or no untraced runs";
  return r.status;
}

}  // namespace

std::string rate_text(double rate) { return grouped(rate, rate == std::floor(rate) ? 0 : 1); }

std::vector<LeaderboardColumn> leaderboard_columns(const Leaderboard& b) {
  using Column = LeaderboardColumn;
  std::vector<Column> c = {{"#", true},
                           {"client", false},
                           {"tracer", false},
                           {"CPU points [CI]", true},
                           {"CPU ns/span [CI]", true},
                           {"spans/s", true},
                           {"RSS MiB", true},
                           {"dropped healthy", true}};
  for (const auto& m : b.modes) c.push_back({"dropped " + m, true});
  for (Column x : {Column{"held up to", true}, Column{"latency p50", true},
                   Column{"latency p99", true}, Column{"machine", false}, Column{"disturbed", true},
                   Column{"failed", true}, Column{"note", false}}) {
    c.push_back(x);
  }
  return c;
}

std::vector<std::string> leaderboard_cells(const Leaderboard& b, const LeaderboardRow& r,
                                           size_t rank, size_t tracer_width) {
  std::string tracer = r.tracer;
  if (tracer_width && tracer.size() > tracer_width)
    tracer = tracer.substr(0, tracer_width - 3) + "...";
  std::vector<std::string> c = {
      std::to_string(rank),
      r.client,
      tracer,
      interval_cell(r.cpu_points, 2),
      interval_cell(r.cpu_ns_per_span, 0),
      std::isfinite(r.spans_per_second) ? grouped(r.spans_per_second, 1) : "-",
      mib_cell(r.rss_overhead_bytes),
      count_cell(r.dropped_healthy)};
  for (const auto& m : b.modes) {
    auto it = r.dropped_by_mode.find(m);
    c.push_back(it == r.dropped_by_mode.end() ? "-" : readable(it->second, 6));
  }
  c.push_back(held_cell(r.highest_rate_held));
  c.push_back(latency_cell(r.export_latency_p50_seconds));
  c.push_back(latency_cell(r.export_latency_p99_seconds));
  c.push_back(r.mixed_machines() ? "MIXED: " + r.machine : r.machine);
  c.push_back(std::to_string(r.disturbed_runs));
  c.push_back(std::to_string(r.failed_runs));
  c.push_back(note_cell(r));
  return c;
}

namespace {

// Display width of UTF-8 text: code points.
size_t text_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

std::string pad(const std::string& s, size_t width, bool right) {
  size_t w = text_width(s);
  std::string fill(w < width ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

}  // namespace

std::string leaderboard_description(const Leaderboard& b) {
  std::string s = fmt::format("{} runs", grouped(int64_t(b.runs_read)));
  if (b.failed_runs) s += fmt::format(" ({} failed, left out)", b.failed_runs);
  if (!b.plan_id.empty()) s += ", plan " + b.plan_id;
  if (b.shard.is_object()) {
    if (b.shard.value("merged", false)) {
      s += fmt::format(", merged from {} shards", b.shard.value("count", 0));
    } else if (b.shard.value("count", 1) > 1) {
      s += fmt::format(", shard {}/{}", b.shard.value("index", 0), b.shard.value("count", 0));
    }
  }
  if (!b.machines.empty()) s += ", measured on " + join(b.machines, ", ");
  return s;
}

std::string leaderboard_legend(const Leaderboard& b) {
  return fmt::format(
      "CPU: healthy traced minus untraced runs, span loop only, Hodges-Lehmann estimate "
      "[{}% interval] (a lower confidence in parentheses when too few runs); spans/s: traced "
      "median; RSS: peak RSS median, traced minus untraced; dropped: median spans per run; "
      "held up to: the highest rate at which the client kept the rate with nothing dropped; "
      "latency: median over runs of each run's export latency percentile (\"-\": the wire "
      "format gave no timestamps).",
      grouped(b.confidence * 100, 0));
}

std::map<std::string, std::string> client_descriptions(const fs::path& registry_file) {
  std::map<std::string, std::string> out;
  try {
    auto registry = ClientRegistry::load(find_client_registry(registry_file));
    for (const auto& e : registry.entries()) out[e.name] = e.description;
  } catch (const Error&) {
    // No registry here: the rows name their clients instead.
  }
  return out;
}

std::optional<fs::path> find_sweep_folder(const fs::path& dir) {
  std::error_code ec;
  auto is_sweep = [&](const fs::path& d) {
    auto plan = d / "plan.json";
    if (fs::is_regular_file(plan, ec)) {
      auto text = try_read_file(plan);
      auto j = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
      return j.is_object() && j.value("format", "") == kSweepFormat;
    }
    return false;
  };
  if (is_sweep(dir) || fs::is_directory(dir / "runs", ec)) return dir;
  std::vector<fs::path> found;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it.depth() >= 3) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec) && it->path().filename() != "runs" && is_sweep(it->path())) {
      found.push_back(it->path());
      it.disable_recursion_pending();
    }
  }
  if (found.empty()) return std::nullopt;
  std::sort(found.begin(), found.end());
  return found.front();
}

Leaderboard read_leaderboard(const fs::path& sweep_dir, const LeaderboardOptions& options) {
  std::error_code ec;
  const fs::path plan_file = sweep_dir / "plan.json";
  const fs::path runs_dir = sweep_dir / "runs";
  if (!fs::is_directory(sweep_dir, ec)) {
    throw UsageError(sweep_dir.string() +
                     " is not a folder: pass the --out folder of spanbench sweep or merge");
  }
  bool has_plan = fs::is_regular_file(plan_file, ec);
  if (!has_plan && !fs::is_directory(runs_dir, ec)) {
    throw UsageError(sweep_dir.string() +
                     " is not a sweep folder (no plan.json, no runs/): pass the --out folder of "
                     "spanbench sweep or merge");
  }
  Leaderboard b;
  b.dir = sweep_dir;
  b.confidence = options.confidence;
  nlohmann::json plan;
  if (has_plan) {
    plan = nlohmann::json::parse(read_file(plan_file), nullptr, false);
    if (plan.is_discarded() || !plan.is_object()) {
      throw UsageError(plan_file.string() +
                       " is not JSON: the sweep folder is damaged; rerun the sweep with --resume");
    }
    if (plan.value("format", "") != kSweepFormat) {
      throw UsageError(plan_file.string() + " is not a sweep plan (format is not " + kSweepFormat +
                       "): pass the --out folder of spanbench sweep or merge");
    }
    b.plan_id = plan.value("plan_id", "");
    if (plan.contains("shard")) b.shard = plan["shard"];
  }

  std::vector<GroupFiles> groups;
  for (const auto& client_dir : sorted_entries(runs_dir, true)) {
    for (const auto& rate_dir : sorted_entries(client_dir, true)) {
      GroupFiles g;
      g.client = client_dir.filename().string();
      if (!parse_number(rate_dir.filename().string(), g.rate)) {
        b.warnings.push_back(fs::relative(rate_dir, sweep_dir).generic_string() +
                             " is not a rate folder; left out");
        continue;
      }
      for (const auto& mode_dir : sorted_entries(rate_dir, true)) {
        read_mode(mode_dir, sweep_dir, g, b.warnings);
      }
      if (g.runs_by_mode.empty() && g.failed == 0) continue;
      groups.push_back(std::move(g));
    }
  }

  std::set<std::string> modes, machines;
  std::map<double, LeaderboardTable> tables;
  for (const auto& g : groups) {
    LeaderboardRow row = make_row(g, options);
    for (const auto& [mode, n] : row.runs_by_mode) {
      if (mode != kHealthyMode && mode != kUntracedMode) modes.insert(mode);
      b.runs_read += n;
    }
    b.failed_runs += row.failed_runs;
    machines.insert(row.machines.begin(), row.machines.end());
    auto& t = tables[g.rate];
    t.rate = g.rate;
    t.rows.push_back(std::move(row));
  }
  b.modes.assign(modes.begin(), modes.end());
  b.machines.assign(machines.begin(), machines.end());

  for (auto& [rate, t] : tables) {
    for (const auto& r : t.rows) {
      auto& best = b.highest_rate_held[r.client];
      if (r.held && (!best || rate > *best)) best = rate;
    }
  }
  for (auto& [rate, t] : tables) {
    for (auto& r : t.rows) r.highest_rate_held = b.highest_rate_held[r.client];
    sort_rows(t.rows);
    add_machine_warnings(t);
    // A group on two machines is broken: said at the top as well as in its table.
    for (const auto& w : t.warnings) {
      if (w.rfind("MIXED MACHINES", 0) == 0) b.warnings.push_back(w);
    }
    b.tables.push_back(std::move(t));
  }

  if (plan.is_object() && plan.contains("groups") && plan["groups"].is_array()) {
    std::set<std::pair<std::string, double>> present;
    for (const auto& g : groups) present.insert({g.client, g.rate});
    for (const auto& name : plan["groups"]) {
      if (!name.is_string()) continue;
      auto g = parse_group(name.get<std::string>());
      if (g && !present.count(*g)) b.missing_groups.push_back(name.get<std::string>());
    }
    if (!b.missing_groups.empty()) {
      b.warnings.push_back(
          fmt::format("{} planned group{} without any run yet: {}", b.missing_groups.size(),
                      b.missing_groups.size() == 1 ? "" : "s", join(b.missing_groups, ", ")));
    }
  }
  // A merge with --allow-missing names what it lacked.
  if (plan.is_object() && plan.contains("missing") && plan["missing"].is_array() &&
      !plan["missing"].empty()) {
    std::vector<std::string> missing;
    for (const auto& m : plan["missing"])
      missing.push_back(m.is_string() ? m.get<std::string>() : m.dump());
    b.warnings.push_back("merged without some parts: " + join(missing, ", "));
  }
  if (b.machines.size() > 1) {
    b.warnings.push_back(fmt::format(
        "runs measured on {} machines ({}): each row is measured within one machine, but rows of "
        "different machines are not strictly comparable (see each row's machine)",
        b.machines.size(), join(b.machines, ", ")));
  }
  if (b.failed_runs) {
    b.warnings.push_back(fmt::format("{} run file{} failed or could not be read, and {} left out",
                                     b.failed_runs, b.failed_runs == 1 ? "" : "s",
                                     b.failed_runs == 1 ? "is" : "are"));
  }
  return b;
}

BarChart leaderboard_chart(const Leaderboard& b, const LeaderboardTable& t) {
  BarChart c;
  c.title = fmt::format("CPU per span at {} spans/s, healthy traced - untraced", rate_text(t.rate));
  c.y_label = "CPU per span (ns)";
  c.value_title = "Hodges-Lehmann estimate";
  c.interval_title = fmt::format("{}% interval", grouped(b.confidence * 100, 0));
  for (const auto& r : t.rows) {
    if (!r.cpu_ns_per_span.defined) continue;
    c.labels.push_back(r.client);
    c.values.push_back(r.cpu_ns_per_span.estimate);
    c.lows.push_back(r.cpu_ns_per_span.low);
    c.highs.push_back(r.cpu_ns_per_span.high);
  }
  return c;
}

std::string format_leaderboard_console(const Leaderboard& b) {
  std::string out = "leaderboard of " + b.dir.string() + ": " + leaderboard_description(b) + "\n";
  if (b.tables.empty()) return out + "no measured runs yet\n";
  const auto cols = leaderboard_columns(b);
  for (const auto& t : b.tables) {
    out += fmt::format("\n{} spans/s ({} client{})\n", rate_text(t.rate), t.rows.size(),
                       t.rows.size() == 1 ? "" : "s");
    for (const auto& w : t.warnings) out += "WARNING: " + w + "\n";
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < t.rows.size(); ++i)
      rows.push_back(leaderboard_cells(b, t.rows[i], i + 1, 40));
    std::vector<size_t> widths(cols.size());
    for (size_t c = 0; c < cols.size(); ++c) {
      widths[c] = text_width(cols[c].title);
      for (const auto& r : rows) widths[c] = std::max(widths[c], text_width(r[c]));
    }
    auto line = [&](const std::vector<std::string>& v) {
      std::string s = " ";
      for (size_t c = 0; c < cols.size(); ++c) {
        s += " " + pad(v[c], widths[c], cols[c].number && c + 1 < cols.size());
      }
      while (!s.empty() && s.back() == ' ') s.pop_back();
      return s + "\n";
    };
    std::vector<std::string> titles;
    for (const auto& c : cols) titles.push_back(c.title);
    out += line(titles);
    for (const auto& r : rows) out += line(r);
  }
  if (!b.warnings.empty()) out += "\n";
  for (const auto& w : b.warnings) out += "WARNING: " + w + "\n";
  out += "\n" + leaderboard_legend(b) + "\n";
  return out;
}

std::string format_leaderboard_markdown(const Leaderboard& b) {
  auto cell = [](const std::string& text) {
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
  };
  std::string md = "# spanbench leaderboard\n\n" + leaderboard_description(b) + ".\n\n" +
                   leaderboard_legend(b) + "\n";
  for (const auto& w : b.warnings) md += "\n> **Warning:** " + w + "\n";
  const auto cols = leaderboard_columns(b);
  for (const auto& t : b.tables) {
    md += fmt::format("\n## {} spans/s\n\n", rate_text(t.rate));
    for (const auto& w : t.warnings) md += "> **Warning:** " + w + "\n\n";
    md += "|";
    for (const auto& c : cols) md += " " + cell(c.title) + " |";
    md += "\n|";
    for (const auto& c : cols) md += c.number ? "---:|" : ":---|";
    md += "\n";
    for (size_t i = 0; i < t.rows.size(); ++i) {
      md += "|";
      for (const auto& c : leaderboard_cells(b, t.rows[i], i + 1)) md += " " + cell(c) + " |";
      md += "\n";
    }
  }
  return md;
}

std::string format_leaderboard_csv(const Leaderboard& b) {
  CsvRow header = {"rate",
                   "rank",
                   "client",
                   "tracer",
                   "tracer_source",
                   "status",
                   "cpu_points",
                   "cpu_points_low",
                   "cpu_points_high",
                   "cpu_ns_per_span",
                   "cpu_ns_per_span_low",
                   "cpu_ns_per_span_high",
                   "confidence",
                   "spans_per_second",
                   "untraced_spans_per_second",
                   "rss_overhead_bytes",
                   "dropped_healthy_median",
                   "dropped_healthy_total"};
  for (const auto& m : b.modes) header.push_back("dropped_" + m + "_median");
  for (const char* h :
       {"rate_held", "held", "highest_rate_held", "export_latency_p50_seconds",
        "export_latency_p99_seconds", "export_latency_runs", "machine", "mixed_machines",
        "untraced_runs", "traced_runs", "disturbed_runs", "failed_runs"}) {
    header.push_back(h);
  }
  std::string out = csv_line(header);
  auto num = [](double v) { return std::isfinite(v) ? csv_number(v) : std::string(); };
  auto opt = [&](const std::optional<double>& v) { return v ? num(*v) : std::string(); };
  auto runs = [](const LeaderboardRow& r, const char* mode) {
    auto it = r.runs_by_mode.find(mode);
    return std::to_string(it == r.runs_by_mode.end() ? 0 : it->second);
  };
  for (const auto& t : b.tables) {
    for (size_t i = 0; i < t.rows.size(); ++i) {
      const auto& r = t.rows[i];
      auto iv = [&](const stats::ShiftInterval& s, double stats::ShiftInterval::*f) {
        return s.defined ? num(s.*f) : std::string();
      };
      CsvRow row = {num(t.rate),
                    std::to_string(i + 1),
                    r.client,
                    r.tracer,
                    r.tracer_source,
                    r.status,
                    iv(r.cpu_points, &stats::ShiftInterval::estimate),
                    iv(r.cpu_points, &stats::ShiftInterval::low),
                    iv(r.cpu_points, &stats::ShiftInterval::high),
                    iv(r.cpu_ns_per_span, &stats::ShiftInterval::estimate),
                    iv(r.cpu_ns_per_span, &stats::ShiftInterval::low),
                    iv(r.cpu_ns_per_span, &stats::ShiftInterval::high),
                    iv(r.cpu_points, &stats::ShiftInterval::confidence),
                    num(r.spans_per_second),
                    num(r.untraced_spans_per_second),
                    num(r.rss_overhead_bytes),
                    opt(r.dropped_healthy),
                    std::to_string(r.dropped_healthy_total)};
      for (const auto& m : b.modes) {
        auto it = r.dropped_by_mode.find(m);
        row.push_back(it == r.dropped_by_mode.end() ? "" : num(it->second));
      }
      row.push_back(r.rate_held ? "true" : "false");
      row.push_back(r.held ? "true" : "false");
      row.push_back(opt(r.highest_rate_held));
      row.push_back(opt(r.export_latency_p50_seconds));
      row.push_back(opt(r.export_latency_p99_seconds));
      row.push_back(std::to_string(r.export_latency_runs));
      row.push_back(r.machine);
      row.push_back(r.mixed_machines() ? "true" : "false");
      row.push_back(runs(r, kUntracedMode));
      row.push_back(runs(r, kHealthyMode));
      row.push_back(std::to_string(r.disturbed_runs));
      row.push_back(std::to_string(r.failed_runs));
      out += csv_line(row);
    }
  }
  return out;
}

nlohmann::json leaderboard_json(const Leaderboard& b) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : b.tables) {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t i = 0; i < t.rows.size(); ++i) {
      const auto& r = t.rows[i];
      rows.push_back({
          {"rank", i + 1},
          {"client", r.client},
          {"tracer", r.tracer},
          {"tracer_source", r.tracer_source},
          {"status", r.status},
          {"status_text", r.status_text},
          {"cpu_points", interval_json(r.cpu_points)},
          {"cpu_ns_per_span", interval_json(r.cpu_ns_per_span)},
          {"spans_per_second", finite_json(r.spans_per_second)},
          {"untraced_spans_per_second", finite_json(r.untraced_spans_per_second)},
          {"rss_overhead_bytes", finite_json(r.rss_overhead_bytes)},
          {"rate_held", r.rate_held},
          {"dropped_healthy_median", optional_json(r.dropped_healthy)},
          {"dropped_healthy_total", r.dropped_healthy_total},
          {"dropped_median_by_mode", r.dropped_by_mode},
          {"held", r.held},
          {"highest_rate_held", optional_json(r.highest_rate_held)},
          {"export_latency_p50_seconds", optional_json(r.export_latency_p50_seconds)},
          {"export_latency_p99_seconds", optional_json(r.export_latency_p99_seconds)},
          {"export_latency_runs", r.export_latency_runs},
          {"machine", r.machine},
          {"machines", r.machines},
          {"mixed_machines", r.mixed_machines()},
          {"runs", r.runs_by_mode},
          {"disturbed_runs", r.disturbed_runs},
          {"failed_runs", r.failed_runs},
      });
    }
    tables.push_back(
        {{"rate", t.rate}, {"rows", rows}, {"machines", t.machines}, {"warnings", t.warnings}});
  }
  nlohmann::json held = nlohmann::json::object();
  for (const auto& [client, rate] : b.highest_rate_held) held[client] = optional_json(rate);
  return {{"format", kLeaderboardFormat},
          {"sweep", {{"plan_id", b.plan_id}, {"shard", b.shard}}},
          {"confidence", b.confidence},
          {"failing_modes", b.modes},
          {"machines", b.machines},
          {"runs_read", b.runs_read},
          {"failed_runs", b.failed_runs},
          {"missing_groups", b.missing_groups},
          {"highest_rate_held", held},
          {"warnings", b.warnings},
          {"tables", tables}};
}

std::string format_leaderboard_json(const Leaderboard& b) {
  return leaderboard_json(b).dump(2) + "\n";
}

void write_leaderboard_files(const Leaderboard& b, const fs::path& dir) {
  write_file_atomically(dir / "leaderboard.json", format_leaderboard_json(b));
  write_file_atomically(dir / "leaderboard.md", format_leaderboard_markdown(b));
  write_file_atomically(dir / "leaderboard.csv", format_leaderboard_csv(b));
}

}  // namespace spanbench
