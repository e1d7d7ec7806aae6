#include "process/proc_stat.h"

#include <time.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/file_io.h"

namespace spanbench {
namespace {

// Splits off the next space-separated token of `s`.
std::string_view next_token(std::string_view& s) {
  size_t start = s.find_first_not_of(" \n\t");
  if (start == std::string_view::npos) {
    s = {};
    return {};
  }
  size_t end = s.find_first_of(" \n\t", start);
  std::string_view tok =
      s.substr(start, end == std::string_view::npos ? s.size() - start : end - start);
  s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
  return tok;
}

std::optional<int64_t> to_int(std::string_view tok) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (ec != std::errc() || p != tok.data() + tok.size() || tok.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // The command name (field 2) is in parentheses and may itself contain
  // spaces and ')' characters, so fields are counted from the last ')'.
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  ProcStat st;
  // Field numbers from proc(5): 3 state, 14 utime, 15 stime, 20 num_threads, 24 rss.
  for (int field = 3; field <= 24; ++field) {
    std::string_view tok = next_token(rest);
    if (tok.empty()) return std::nullopt;
    if (field == 3) {
      if (tok.size() != 1) return std::nullopt;
      st.state = tok[0];
      continue;
    }
    if (field != 14 && field != 15 && field != 20 && field != 24) continue;
    auto v = to_int(tok);
    if (!v) return std::nullopt;
    if (field == 14) st.utime_ticks = *v;
    if (field == 15) st.stime_ticks = *v;
    if (field == 20) st.num_threads = *v;
    if (field == 24) st.rss_pages = *v;
  }
  return st;
}

std::optional<int64_t> parse_statm_resident_pages(std::string_view text) {
  std::string_view rest = text;
  if (next_token(rest).empty()) return std::nullopt;
  return to_int(next_token(rest));
}

std::optional<int64_t> parse_schedstat_runtime_ns(std::string_view text) {
  std::string_view rest = text;
  return to_int(next_token(rest));
}

std::optional<int64_t> parse_status_vmhwm_bytes(std::string_view text) {
  size_t at = text.find("VmHWM:");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + 6);
  auto kib = to_int(next_token(rest));
  if (!kib || next_token(rest) != "kB") return std::nullopt;
  return *kib * 1024;
}

std::optional<int64_t> parse_schedstat_wait_ns(std::string_view text) {
  std::string_view rest = text;
  if (next_token(rest).empty()) return std::nullopt;
  return to_int(next_token(rest));
}

std::optional<SystemCpuTimes> parse_proc_stat_cpu_line(std::string_view text) {
  std::string_view rest = text;
  if (next_token(rest) != "cpu") return std::nullopt;
  int64_t f[8] = {};
  for (int i = 0; i < 8; ++i) {
    auto v = to_int(next_token(rest));
    if (!v) return std::nullopt;
    f[i] = *v;
  }
  // user nice system idle iowait irq softirq steal
  SystemCpuTimes t;
  t.busy_ticks = f[0] + f[1] + f[2] + f[5] + f[6];
  t.idle_ticks = f[3] + f[4];
  t.steal_ticks = f[7];
  return t;
}

std::optional<SystemCpuTimes> system_cpu_times() {
  auto text = try_read_file("/proc/stat");
  if (!text) return std::nullopt;
  return parse_proc_stat_cpu_line(*text);
}

std::optional<double> load_average_1m() {
  auto text = try_read_file("/proc/loadavg");
  if (!text) return std::nullopt;
  std::string_view rest = *text;
  std::string tok(next_token(rest));
  char* end = nullptr;
  double v = std::strtod(tok.c_str(), &end);
  if (tok.empty() || end != tok.c_str() + tok.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> process_peak_rss_bytes(pid_t pid) {
  auto text = try_read_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return std::nullopt;
  auto v = parse_status_vmhwm_bytes(*text);
  // A zombie has no memory map and no VmHWM line; no live process has 0.
  if (!v || *v == 0) return std::nullopt;
  return v;
}

std::optional<int64_t> process_runqueue_wait_ns(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return std::nullopt;
  int64_t sum = 0;
  bool any = false;
  for (const auto& task : it) {
    auto text = try_read_file(task.path().string() + "/schedstat");
    if (!text) continue;
    if (auto w = parse_schedstat_wait_ns(*text)) {
      sum += *w;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return sum;
}

std::optional<int64_t> process_cpu_ns(pid_t pid) {
  clockid_t clock;
  if (clock_getcpuclockid(pid, &clock) != 0) return std::nullopt;
  struct timespec ts = {};
  if (clock_gettime(clock, &ts) != 0) return std::nullopt;
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::optional<int64_t> process_rss_bytes(pid_t pid) {
  auto text = try_read_file("/proc/" + std::to_string(pid) + "/statm");
  if (!text) return std::nullopt;
  auto pages = parse_statm_resident_pages(*text);
  // A process that has exited but is not yet reaped (a zombie) reads as
  // all zeros; no live process has an empty resident set.
  if (!pages || *pages == 0) return std::nullopt;
  return *pages * sysconf(_SC_PAGESIZE);
}

}  // namespace spanbench
