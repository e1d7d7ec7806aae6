#include "core/toml_text.h"

#include "core/error.h"

namespace spanbench {

toml::table parse_user_toml(std::string_view text, const std::string& source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw UsageError(source_name + ":" + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()));
  }
}

}  // namespace spanbench
