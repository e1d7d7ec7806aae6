#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "controller/client_registry.h"

namespace spanbench::cli {

void add_clients_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("clients",
                                  "List the registered clients and whether each is ready to run");
  cmd->callback([] {
    auto reg = ClientRegistry::load(find_client_registry(global_options().clients_file));
    std::cout << fmt::format("{:<22} {:<10} {:<10} {}\n", "CLIENT", "READY", "PROTOCOL", "NOTES");
    for (const auto& e : reg.entries()) {
      Readiness r = reg.readiness(e);
      std::cout << fmt::format("{:<22} {:<10} {:<10} {}\n", e.name, r.ready ? "ready" : "not ready",
                               family_name(e.protocol), r.ready ? e.description : r.reason);
    }
  });
}

}  // namespace spanbench::cli
