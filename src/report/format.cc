#include "report/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

namespace spanbench {
namespace {

// Inserts a comma every three digits of the integer part of `fixed`
// ("-12345.6" -> "-12,345.6").
std::string group_digits(const std::string& fixed) {
  size_t start = fixed[0] == '-' || fixed[0] == '+' ? 1 : 0;
  size_t end = fixed.find('.');
  if (end == std::string::npos) end = fixed.size();
  std::string out = fixed.substr(0, start);
  for (size_t i = start; i < end; ++i) {
    out += fixed[i];
    size_t left = end - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  out += fixed.substr(end);
  return out;
}

std::string utc_format(const char* pattern) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, pattern, &tm);
  return std::string(buf, n);
}

}  // namespace

std::string grouped(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  decimals = std::clamp(decimals, 0, 12);
  std::string fixed = fmt::format("{:.{}f}", v, decimals);
  // "-0.0" reads as a sign error to a person.
  if (fixed[0] == '-' && fixed.find_first_not_of("-0.") == std::string::npos) fixed.erase(0, 1);
  return group_digits(fixed);
}

std::string grouped(int64_t v) { return group_digits(std::to_string(v)); }

std::string percent(double share, int decimals) {
  if (!std::isfinite(share)) return "n/a";
  return grouped(share * 100, decimals) + "%";
}

std::string bytes_text(double bytes) {
  if (!std::isfinite(bytes)) return "n/a";
  double a = std::fabs(bytes);
  if (a < 1024) return grouped(bytes, 0) + " B";
  if (a < 1024.0 * 1024) return grouped(bytes / 1024, 1) + " KiB";
  if (a < 1024.0 * 1024 * 1024) return grouped(bytes / (1024.0 * 1024), 1) + " MiB";
  return grouped(bytes / (1024.0 * 1024 * 1024), 2) + " GiB";
}

std::string seconds_text(double seconds) {
  if (!std::isfinite(seconds)) return "n/a";
  double a = std::fabs(seconds);
  return grouped(seconds, a < 1 ? 3 : a < 100 ? 1 : 0) + " s";
}

std::string readable(double v, int significant) {
  if (!std::isfinite(v)) return "n/a";
  if (v == 0) return "0";
  int magnitude = int(std::floor(std::log10(std::fabs(v))));
  int decimals = std::clamp(significant - 1 - magnitude, 0, 9);
  std::string fixed = fmt::format("{:.{}f}", v, decimals);
  if (fixed.find('.') != std::string::npos) {
    fixed.erase(fixed.find_last_not_of('0') + 1);
    if (fixed.back() == '.') fixed.pop_back();
  }
  if (fixed == "-0") fixed = "0";
  return group_digits(fixed);
}

bool parse_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last && std::isfinite(out);
}

std::string utc_now_text() { return utc_format("%Y-%m-%d %H:%M UTC"); }
std::string utc_now_iso() { return utc_format("%Y-%m-%dT%H:%M:%SZ"); }

std::string duration_text(double s) {
  if (!(s > 0)) s = 0;
  auto total = static_cast<long long>(s + 0.5);
  if (total >= 3600) return fmt::format("{}h{:02d}m", total / 3600, (total % 3600) / 60);
  if (total >= 60) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  return fmt::format("{}s", total);
}

}  // namespace spanbench
