#include "core/toml_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

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

void TomlReader::number(const toml::table& t, const char* key, double& out,
                        double min_value) const {
  const toml::node* n = t.get(key);
  if (!n) return;
  auto v = n->value<double>();
  if (!v || !(n->is_number())) fail(*n, std::string(key) + " must be a number");
  if (*v < min_value) fail(*n, fmt::format("{} must be at least {}", key, min_value));
  out = *v;
}

void TomlReader::integer(const toml::table& t, const char* key, int64_t& out,
                         int64_t min_value) const {
  const toml::node* n = t.get(key);
  if (!n) return;
  auto v = n->value<int64_t>();
  if (!v || !n->is_integer()) fail(*n, std::string(key) + " must be a whole number");
  if (*v < min_value) fail(*n, fmt::format("{} must be at least {}", key, min_value));
  out = *v;
}

void TomlReader::flag(const toml::table& t, const char* key, bool& out) const {
  const toml::node* n = t.get(key);
  if (!n) return;
  if (!n->is_boolean()) fail(*n, std::string(key) + " must be true or false");
  out = *n->value<bool>();
}

void TomlReader::rates(const toml::table& t, const char* key, std::vector<double>& out) const {
  const toml::node* n = t.get(key);
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr || arr->empty()) fail(*n, std::string(key) + " must be a non-empty array of rates");
  std::vector<double> v;
  for (const auto& item : *arr) {
    auto x = item.value<double>();
    if (!x || !item.is_number() || *x <= 0) {
      fail(item, std::string(key) + " must hold positive numbers (spans per second)");
    }
    v.push_back(*x);
  }
  if (!std::is_sorted(v.begin(), v.end())) fail(*n, std::string(key) + " must be in rising order");
  out = std::move(v);
}

void TomlReader::strings(const toml::table& t, const char* key,
                         std::vector<std::string>& out) const {
  const toml::node* n = t.get(key);
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr || arr->empty()) fail(*n, std::string(key) + " must be a non-empty array of names");
  std::vector<std::string> v;
  std::set<std::string> seen;
  for (const auto& item : *arr) {
    auto s = item.value<std::string>();
    if (!s || !item.is_string() || s->empty()) {
      fail(item, std::string(key) + " must hold non-empty strings");
    }
    if (!seen.insert(*s).second) fail(item, fmt::format("{} names \"{}\" twice", key, *s));
    v.push_back(*s);
  }
  out = std::move(v);
}

const toml::table* TomlReader::table(const toml::table& t, const char* key) const {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  if (!n->is_table()) fail(*n, std::string(key) + " must be a table");
  return n->as_table();
}

void TomlReader::fail(const toml::node& n, const std::string& what) const {
  throw UsageError(fmt::format("{}:{}: {}", source_, n.source().begin.line, what));
}

}  // namespace spanbench
