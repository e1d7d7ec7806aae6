#include "controller/client_registry.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "core/suggest.h"
#include "core/toml_text.h"
#include "process/child_process.h"

namespace spanbench {
namespace {

std::string where(const std::string& source, const toml::source_region& r) {
  return source + ":" + std::to_string(r.begin.line);
}

std::vector<std::string> string_array(const toml::node& node, const std::string& what,
                                      const std::string& source) {
  const toml::array* arr = node.as_array();
  if (!arr)
    throw UsageError(where(source, node.source()) + ": " + what + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *arr) {
    auto s = item.value<std::string>();
    if (!s || !item.is_string()) {
      throw UsageError(where(source, item.source()) + ": " + what + " must contain only strings");
    }
    out.push_back(*s);
  }
  return out;
}

std::string string_field(const toml::table& t, const char* key, const std::string& def,
                         const std::string& what, const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  if (!n->is_string())
    throw UsageError(where(source, n->source()) + ": " + what + " must be a string");
  return *n->value<std::string>();
}

bool executable_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    if (access((std::filesystem::path(dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

std::filesystem::path find_client_registry(const std::filesystem::path& explicit_file) {
  if (!explicit_file.empty()) return explicit_file;
  if (const char* env = std::getenv("SPANBENCH_CLIENTS"); env && *env) return env;
  std::error_code ec;
  std::vector<std::filesystem::path> candidates = {"clients.toml"};
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(
        (self.parent_path() / SPANBENCH_DATA_FROM_BIN / "clients.toml").lexically_normal());
  }
  candidates.push_back(std::filesystem::path(SPANBENCH_INSTALL_DATA_DIR) / "clients.toml");
  std::string looked;
  for (const auto& c : candidates) {
    if (std::filesystem::is_regular_file(c, ec)) return c;
    looked += (looked.empty() ? "" : ", ") + c.string();
  }
  throw UsageError("no client registry found (looked for " + looked +
                   "); pass --clients FILE or set SPANBENCH_CLIENTS=FILE");
}

ClientRegistry ClientRegistry::load(const std::filesystem::path& file) {
  const std::optional<std::string> text = try_read_file(file);
  if (!text) {
    throw UsageError("cannot read client registry " + file.string() +
                     " (pass --clients FILE or set SPANBENCH_CLIENTS=FILE)");
  }
  auto base = std::filesystem::absolute(file).parent_path();
  return parse(*text, base, file.string());
}

ClientRegistry ClientRegistry::parse(std::string_view toml_text,
                                     const std::filesystem::path& base_dir,
                                     const std::string& source_name) {
  toml::table root = parse_user_toml(toml_text, source_name);
  ClientRegistry reg;
  reg.base_dir_ = base_dir;
  reject_unknown_keys(root, {"clients"}, source_name, "");
  const toml::node* clients = root.get("clients");
  if (!clients) throw UsageError(source_name + ": no [clients.NAME] tables found");
  const toml::table* table = clients->as_table();
  if (!table) throw UsageError(where(source_name, clients->source()) + ": clients must be a table");
  for (const auto& [key, node] : *table) {
    ClientEntry e;
    e.name = std::string(key.str());
    const toml::table* t = node.as_table();
    if (!t)
      throw UsageError(where(source_name, node.source()) + ": clients." + e.name +
                       " must be a table");
    reject_unknown_keys(*t,
                        {"command", "protocol", "description", "requires", "setup", "ready_check",
                         "profile_unwinding", "profile_args"},
                        source_name, "clients." + e.name);
    const toml::node* cmd = t->get("command");
    if (!cmd) {
      throw UsageError(where(source_name, t->source()) + ": clients." + e.name +
                       " has no command (add command = [\"program\", \"arg\", ...])");
    }
    e.command = string_array(*cmd, "clients." + e.name + ".command", source_name);
    if (e.command.empty()) {
      throw UsageError(where(source_name, cmd->source()) + ": clients." + e.name +
                       ".command is empty");
    }
    const std::string protocol =
        string_field(*t, "protocol", "none", "clients." + e.name + ".protocol", source_name);
    const auto family = parse_protocol_family(protocol);
    if (!family) {
      throw UsageError(where(source_name, t->get("protocol")->source()) + ": unknown protocol \"" +
                       protocol + "\" for clients." + e.name +
                       "; known: " + known_protocol_families());
    }
    e.protocol = *family;
    e.description =
        string_field(*t, "description", "", "clients." + e.name + ".description", source_name);
    e.setup_hint =
        string_field(*t, "setup", e.setup_hint, "clients." + e.name + ".setup", source_name);
    replace_all(e.setup_hint, "{dir}", base_dir.string());
    if (const toml::node* check = t->get("ready_check")) {
      e.ready_check = string_array(*check, "clients." + e.name + ".ready_check", source_name);
    }
    e.profile_unwinding = string_field(*t, "profile_unwinding", "",
                                       "clients." + e.name + ".profile_unwinding", source_name);
    if (!e.profile_unwinding.empty() && e.profile_unwinding != "fp" &&
        e.profile_unwinding != "dwarf") {
      throw UsageError(where(source_name, t->get("profile_unwinding")->source()) + ": clients." +
                       e.name + ".profile_unwinding must be \"fp\" or \"dwarf\"");
    }
    if (const toml::node* pa = t->get("profile_args")) {
      e.profile_args = string_array(*pa, "clients." + e.name + ".profile_args", source_name);
    }
    if (const toml::node* req = t->get("requires")) {
      e.requires_paths = string_array(*req, "clients." + e.name + ".requires", source_name);
    }
    reg.entries_.push_back(std::move(e));
  }
  return reg;
}

const ClientEntry& ClientRegistry::get(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return e;
  }
  std::string known;
  std::vector<std::string> names;
  for (const auto& e : entries_) {
    known += (known.empty() ? "" : ", ") + e.name;
    names.push_back(e.name);
  }
  if (auto near = closest_match(name, names)) {
    throw UsageError("unknown client \"" + name + "\"; did you mean " + *near +
                     "? (known clients: " + known + ")");
  }
  throw UsageError("unknown client \"" + name + "\"; known clients: " + known);
}

Readiness ClientRegistry::readiness(const ClientEntry& entry) const {
  const std::string& program = entry.command.front();
  if (program.find('/') == std::string::npos) {
    if (!executable_in_path(program)) {
      return {false, program + " not found in PATH: " + entry.setup_hint};
    }
  } else {
    std::filesystem::path p = program;
    if (p.is_relative()) p = base_dir_ / p;
    if (access(p.c_str(), X_OK) != 0) {
      return {false, p.lexically_relative(base_dir_).string() + " missing: " + entry.setup_hint};
    }
  }
  for (const auto& r : entry.requires_paths) {
    std::filesystem::path p = r;
    if (p.is_relative()) p = base_dir_ / p;
    if (!std::filesystem::exists(p)) return {false, r + " missing: " + entry.setup_hint};
  }
  if (!entry.ready_check.empty()) {
    auto out = std::filesystem::temp_directory_path() /
               ("spanbench-ready-" + std::to_string(getpid()) + "-" + entry.name + ".txt");
    SpawnOptions so;
    so.argv = entry.ready_check;
    so.working_dir = base_dir_;
    so.log_file = out;
    Readiness r{false, ""};
    try {
      ChildProcess child = ChildProcess::spawn(so);
      if (!child.wait_for_exit(std::chrono::seconds(20))) {
        child.kill_group();
        r.reason = "ready check timed out: " + entry.setup_hint;
      } else if (child.exit_info().exit_code() == 0) {
        r.ready = true;
      } else {
        std::string first = tail_lines(out, 1);
        while (!first.empty() && first.back() == '\n') first.pop_back();
        r.reason = first.empty() ? "ready check failed: " + entry.setup_hint : first;
      }
    } catch (const Error& e) {
      r.reason = e.what();
    }
    std::filesystem::remove(out);
    return r;
  }
  return {true, ""};
}

}  // namespace spanbench
