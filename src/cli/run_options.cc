#include "cli/run_options.h"

#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <iostream>

#include "cli/commands.h"
#include "cli/signals.h"
#include "cli/validators.h"
#include "core/log.h"
#include "report/console_reporter.h"

namespace spanbench::cli {

void add_client_run_flags(CLI::App* cmd, ClientRunFlags& f) {
  cmd->add_option("--client", f.client, "Client name from the registry (see: spanbench clients)")
      ->required();
  cmd->add_option("--target-cpu", f.target_cpu,
                  "CPU share of one core the untraced client should use")
      ->check(between(0.01, 0.99))
      ->capture_default_str();
  cmd->add_option("--control-port", f.control_port, "Port of the control server on 127.0.0.1")
      ->check(port_number())
      ->capture_default_str();
  cmd->add_option("--calibration", f.calibration_file,
                  "Reuse the calibration in FILE for this client, target and span rate, else "
                  "calibrate and save it there (one file holds many)")
      ->check(writable_path(false));
  cmd->add_option("--client-cpu", f.client_cpu,
                  "Pin the client (and its tracer's threads) to this core, spanbench and its "
                  "satellites to the others")
      ->check(CLI::Validator(
          [](std::string& input) -> std::string {
            const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
            int core = -1;
            auto [ptr, ec] = std::from_chars(input.data(), input.data() + input.size(), core);
            if (ec != std::errc() || ptr != input.data() + input.size() || core < 0 ||
                core >= cpus) {
              return fmt::format("must be a core of this machine, 0-{} (got {})", cpus - 1, input);
            }
            if (cpus < 2) return "needs a machine with at least two cores";
            return "";
          },
          "CORE"));
}

Controller make_controller(const ClientRunFlags& f, std::function<void(const std::string&)> print) {
  // An unknown client name is a usage error, found before any port is bound.
  ClientRegistry::load(find_client_registry(global_options().clients_file)).get(f.client);
  init_logging(global_options().log_dir);
  ControllerOptions o;
  o.clients_file = global_options().clients_file;
  o.log_dir = global_options().log_dir;
  o.control_port = f.control_port;
  o.stop_flag = &stop_flag();
  o.client_cpu = f.client_cpu;
  if (f.client_cpu >= 0) pin_self_away_from(f.client_cpu);
  o.on_rate_fit = [file = f.calibration_file, print](const Calibration& c, const RateFit& fit,
                                                     bool fresh) {
    std::string text = format_rate_fit(c, fit, fresh, c.reused ? file : "");
    if (print) {
      print(text);
    } else {
      std::cout << text << std::flush;
    }
    if (fresh && !file.empty()) save_calibration(c, file);
  };
  return Controller(o);
}

void require_reporting_client(const Controller& controller, const std::string& client,
                              const std::string& command) {
  if (!controller.registry().get(client).reports_over_network()) {
    throw UsageError(fmt::format(
        "client {} reports nowhere (protocol \"none\" in the registry): {} counts the spans "
        "the satellites receive; pick a client that reports (see: spanbench clients)",
        client, command));
  }
}

Calibration calibrate_or_reuse(Controller& controller, const ClientRunFlags& f) {
  if (!f.calibration_file.empty()) {
    if (auto c = find_calibration(f.calibration_file, f.client, f.target_cpu)) {
      c->reused = true;
      // A fit that a busy machine kept from converging is made again.
      std::erase_if(c->rates,
                    [](const RateFit& fit) { return !fit.converged && fit.noisy_runs > 0; });
      std::cout << "reusing the calibration of " << f.client << " in " << f.calibration_file << "\n"
                << format_calibration(*c) << std::flush;
      return *c;
    }
  }
  CalibrationOptions co;
  co.target_cpu = f.target_cpu;
  Calibration cal = controller.calibrate(f.client, co);
  std::cout << format_calibration(cal) << std::flush;
  if (!f.calibration_file.empty()) save_calibration(cal, f.calibration_file);
  return cal;
}

void pin_self_away_from(int client_cpu) {
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (client_cpu >= cpus) {
    throw UsageError(
        fmt::format("--client-cpu {}: this machine has cores 0-{}", client_cpu, cpus - 1));
  }
  if (cpus < 2) throw UsageError("--client-cpu needs at least two cores");
  cpu_set_t set;
  CPU_ZERO(&set);
  for (long i = 0; i < cpus; ++i)
    if (i != client_cpu) CPU_SET(i, &set);
  // Threads started later (control server, satellites) inherit this mask.
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    throw Error(fmt::format("cannot pin spanbench away from core {}: {}", client_cpu,
                            std::strerror(errno)));
  }
}

}  // namespace spanbench::cli
