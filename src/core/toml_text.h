#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench {

// Parses a TOML document the user wrote (client registry, suite file).
// A syntax error becomes a spanbench::UsageError "SOURCE:LINE: what".
toml::table parse_user_toml(std::string_view text, const std::string& source_name);

// Throws a spanbench::UsageError "SOURCE:LINE: unknown key PATH.KEY; known
// keys: ..." (or "unknown table [PATH.KEY]") for the first key of `table`
// that is not in `known`, so that a misspelt setting is an error rather than
// silently ignored. `path` is the table's dotted name ("" at the top).
void reject_unknown_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                         const std::string& source_name, const std::string& path);

// Reads optional keys of a table the user wrote (suite and sweep files):
// an absent key leaves `out` as it was; a key of the wrong type or out of
// range is a UsageError "SOURCE:LINE: what".
class TomlReader {
 public:
  explicit TomlReader(std::string source_name) : source_(std::move(source_name)) {}

  void number(const toml::table& t, const char* key, double& out, double min_value) const;
  void integer(const toml::table& t, const char* key, int64_t& out, int64_t min_value) const;
  void flag(const toml::table& t, const char* key, bool& out) const;
  // A non-empty array of positive spans-per-second values in rising order.
  void rates(const toml::table& t, const char* key, std::vector<double>& out) const;
  // A non-empty array of distinct non-empty strings.
  void strings(const toml::table& t, const char* key, std::vector<std::string>& out) const;
  // The sub-table `key`, or null when there is none.
  const toml::table* table(const toml::table& t, const char* key) const;
  [[noreturn]] void fail(const toml::node& n, const std::string& what) const;

 private:
  std::string source_;
};

}  // namespace spanbench
