#pragma once

#include <cstdint>
#include <string>

namespace spanbench {

// Numbers written for people (console summaries, Markdown, the HTML
// report): fixed decimals, thousands separators, units; never an exponent.
// Machine-readable files (JSON, CSV) keep full precision instead.

// 12345.678 -> "12,345.7" (decimals >= 0). NaN and infinities -> "n/a".
std::string grouped(double v, int decimals = 0);
std::string grouped(int64_t v);
// A share of 1 as a percent: 0.70312 -> "70.3%".
std::string percent(double share, int decimals = 1);
// Bytes in binary units: "812 B", "19.4 MiB", "1.2 GiB".
std::string bytes_text(double bytes);
// Seconds: "0.512 s", "12.3 s", "3,600 s".
std::string seconds_text(double seconds);
// A duration for a progress line: "42s", "4m10s", "2h05m" (negative: "0s").
std::string duration_text(double seconds);
// A number of unknown scale: `significant` significant digits but never
// fewer than the integer part, trailing zeros dropped, grouped, without an
// exponent: 0.5500544989195776 -> "0.55", 1e4 -> "10,000", 1234.5678 ->
// "1,235", 12.345 -> "12.3".
std::string readable(double v, int significant = 3);
// Text that reads as a number (an integer, a decimal or an exponent form).
bool parse_number(const std::string& text, double& out);

// The current time in UTC, as "2026-11-29 20:41 UTC" and as ISO 8601
// "2026-11-29T20:41:07Z".
std::string utc_now_text();
std::string utc_now_iso();

}  // namespace spanbench
