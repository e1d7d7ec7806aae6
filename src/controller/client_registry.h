#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/protocol_family.h"

namespace spanbench {

// One client program (docs/protocol.md): how to start it and what it reports with.
struct ClientEntry {
  std::string name;
  std::vector<std::string> command;
  // Satellite protocol family it reports with (the protocol table's
  // registry spelling); kNone for clients that report nowhere (no-op,
  // in-memory mock).
  ProtocolFamily protocol = ProtocolFamily::kNone;
  std::string description;
  // Paths (relative to the registry's folder) that must exist besides the
  // program, e.g. an installed node_modules, and what to do when they don't.
  std::vector<std::string> requires_paths;
  // A command that exits 0 when the client can run (e.g. its tracer
  // package imports); otherwise its first line of output is the reason.
  std::vector<std::string> ready_check;
  std::string setup_hint = "run scripts/install-deps.sh and build (see README)";
  // With --profile (docs/profiling.md): how perf unwinds its stacks, "fp"
  // or "dwarf" (empty: chosen from the program), and arguments put right
  // after the program (empty: Node.js gets --perf-basic-prof).
  std::string profile_unwinding;
  std::vector<std::string> profile_args;
  bool reports_over_network() const { return protocol != ProtocolFamily::kNone; }
};

struct Readiness {
  bool ready = false;
  std::string reason;  // why not, and the fix
};

// The registry file to use: `explicit_file` when given (--clients), else
// $SPANBENCH_CLIENTS, else ./clients.toml, else the one installed with
// spanbench (PREFIX/share/spanbench/clients.toml for PREFIX/bin/spanbench,
// then in the prefix this library was built for). Throws
// spanbench::UsageError saying where it looked when there is none.
std::filesystem::path find_client_registry(const std::filesystem::path& explicit_file = {});

// The client registry, clients.toml. Relative paths in commands, `requires`
// and `ready_check` are taken from the registry file's folder (clients run
// there), so the tool works from any directory. "{dir}" in a setup hint
// stands for that folder.
class ClientRegistry {
 public:
  // Throws spanbench::UsageError naming the file and line of any problem.
  static ClientRegistry load(const std::filesystem::path& file);
  static ClientRegistry parse(std::string_view toml_text, const std::filesystem::path& base_dir,
                              const std::string& source_name = "clients.toml");

  // Throws spanbench::UsageError listing the known names.
  const ClientEntry& get(const std::string& name) const;
  const std::vector<ClientEntry>& entries() const { return entries_; }
  const std::filesystem::path& base_dir() const { return base_dir_; }
  Readiness readiness(const ClientEntry& entry) const;

 private:
  std::vector<ClientEntry> entries_;
  std::filesystem::path base_dir_;
};

}  // namespace spanbench
