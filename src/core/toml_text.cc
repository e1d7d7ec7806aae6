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

void reject_unknown_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                         const std::string& source_name, const std::string& path) {
  for (const auto& [key, node] : table) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || key.str() == k;
    if (ok) continue;
    std::string name = (path.empty() ? "" : path + ".") + std::string(key.str());
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    // A table's own position is its header; a key's is where it was written.
    auto line = key.source().begin.line ? key.source().begin.line : node.source().begin.line;
    throw UsageError(source_name + ":" + std::to_string(line) + ": unknown " +
                     (node.is_table() ? "table [" + name + "]" : "key " + name) +
                     (list.empty() ? "" : "; known here: " + list));
  }
}

}  // namespace spanbench
