#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <string>
#include <string_view>

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

}  // namespace spanbench
