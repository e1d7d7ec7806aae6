#include "cli/validators.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>

#include "core/error.h"
#include "core/suggest.h"
#include "satellite/options.h"

namespace spanbench::cli {
namespace {

std::optional<double> number(const std::string& text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string with_unit(const std::string& bound, const std::string& unit) {
  return unit.empty() ? bound : bound + " " + unit;
}

// A check of one numeric bound: `ok` says whether the value is allowed,
// `bound` says what is ("> 0", ">= 0", "between 0.01 and 0.99").
CLI::Validator numeric(const std::string& bound, const std::string& unit, bool integer,
                       std::function<bool(double)> ok) {
  const std::string what = integer ? "a whole number " : "a number ";
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        auto v = number(input);
        if (!v || (integer && std::floor(*v) != *v)) {
          return fmt::format("must be {}{} (got {})", what, with_unit(bound, unit), input);
        }
        if (!ok(*v)) return fmt::format("must be {} (got {})", with_unit(bound, unit), input);
        return "";
      },
      bound);
}

}  // namespace

CLI::Validator positive(const std::string& unit) {
  return numeric("> 0", unit, false, [](double v) { return v > 0; });
}

CLI::Validator positive_integer(const std::string& unit) {
  return numeric("> 0", unit, true, [](double v) { return v > 0; });
}

CLI::Validator non_negative(const std::string& unit) {
  return numeric(">= 0", unit, false, [](double v) { return v >= 0; });
}

CLI::Validator non_negative_integer(const std::string& unit) {
  return numeric(">= 0", unit, true, [](double v) { return v >= 0; });
}

CLI::Validator between(double low, double high, const std::string& unit) {
  return numeric(fmt::format("between {:g} and {:g}", low, high), unit, false,
                 [=](double v) { return v >= low && v <= high; });
}

CLI::Validator port_number(const std::string& zero_meaning) {
  const bool zero_ok = !zero_meaning.empty();
  const std::string bound = zero_ok
                                ? fmt::format("a port number 1-65535, or 0 for {}", zero_meaning)
                                : "a port number 1-65535";
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        auto v = number(input);
        if (!v || std::floor(*v) != *v || *v < (zero_ok ? 0 : 1) || *v > 65535) {
          return fmt::format("must be {} (got {})", bound, input);
        }
        return "";
      },
      zero_ok ? "0-65535" : "1-65535");
}

CLI::Validator one_of(const std::vector<std::string>& choices) {
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  }
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        if (std::find(choices.begin(), choices.end(), input) != choices.end()) return "";
        std::string message = fmt::format("must be {} (got {})", list, input);
        if (auto near = closest_match(input, choices)) message += "; did you mean " + *near + "?";
        return message;
      },
      [&] {
        std::string desc;
        for (const auto& c : choices) desc += (desc.empty() ? "" : "|") + c;
        return desc;
      }());
}

CLI::Validator port_list() {
  return CLI::Validator(
      [](std::string& input) -> std::string {
        try {
          satellite::parse_port_list(input, "");
        } catch (const UsageError& e) {
          return e.what();
        }
        return "";
      },
      "PORTS");
}

CLI::Validator writable_path(bool folder) {
  return CLI::Validator(
      [folder](std::string& input) -> std::string {
        namespace fs = std::filesystem;
        if (input.empty()) return folder ? "must name a folder" : "must name a file";
        std::error_code ec;
        const fs::path path = fs::absolute(input, ec);
        if (ec) return fmt::format("cannot be used: {} (got {})", ec.message(), input);
        if (fs::exists(path, ec)) {
          const bool is_folder = fs::is_directory(path, ec);
          if (is_folder != folder) {
            return fmt::format("must name a {}, and {} is a {}", folder ? "folder" : "file", input,
                               is_folder ? "folder" : "file");
          }
          const fs::path where = folder ? path : path.parent_path();
          if (::access(where.c_str(), W_OK) != 0) {
            return fmt::format("cannot be written: no permission to write in {}", where.string());
          }
          return "";
        }
        // The nearest part of the path that exists must be a folder we may
        // write in; the rest is made.
        fs::path existing = path.parent_path();
        while (!existing.empty() && !fs::exists(existing, ec)) {
          if (existing == existing.parent_path()) break;
          existing = existing.parent_path();
        }
        if (!fs::is_directory(existing, ec)) {
          return fmt::format("cannot be written: {} is a file, not a folder (got {})",
                             existing.string(), input);
        }
        if (::access(existing.c_str(), W_OK) != 0) {
          return fmt::format("cannot be written: no permission to write in {} (got {})",
                             existing.string(), input);
        }
        return "";
      },
      folder ? "DIR" : "FILE");
}

std::string sentence(const std::string& message) {
  // "NAME: must be ..." -> "NAME must be ...", and so for "cannot".
  const size_t colon = message.find(": ");
  if (colon == std::string::npos || message.find(' ') < colon) return message;
  const std::string rest = message.substr(colon + 2);
  if (rest.rfind("must ", 0) != 0 && rest.rfind("cannot ", 0) != 0) return message;
  return message.substr(0, colon) + " " + rest;
}

}  // namespace spanbench::cli
