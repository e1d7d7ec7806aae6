#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

namespace spanbench {

// Parses a TOML document the user wrote (client registry, suite file).
// A syntax error becomes a spanbench::UsageError "SOURCE:LINE: what".
toml::table parse_user_toml(std::string_view text, const std::string& source_name);

}  // namespace spanbench
