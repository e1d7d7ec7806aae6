// spanbench: parse options, run the chosen subcommand, print errors in one
// place with one exit code per kind of failure (see kExitCodes below,
// README.md "Exit codes").
#include <CLI/CLI.hpp>
#include <iostream>
#include <regex>

#include "cli/commands.h"
#include "cli/signals.h"
#include "cli/validators.h"
#include "controller/controller.h"
#include "core/error.h"
#include "core/suggest.h"
#include "suites/overhead.h"

namespace spanbench::cli {
GlobalOptions& global_options() {
  static GlobalOptions g;
  return g;
}

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoisy = 3;
constexpr int kExitInterrupted = 130;
static_assert(kExitNoisy == kNoisyExitCode);

const char* const kExitCodes =
    "Exit codes: 0 success; 1 a run or check failed, or could not be done (a client that "
    "crashed, a port in use); 2 usage error (bad option or value, unknown client, unreadable "
    "file), found before anything runs; 3 noisy: runs disturbed by other load, no verdict; "
    "130 interrupted (Ctrl-C, SIGTERM).\n"
    "--clients and --log-dir go before or after the command.";

// The options every command takes, before or after its name: `spanbench
// --clients F run ...` and `spanbench run --clients F ...` are the same.
void add_global_options(CLI::App& app) {
  auto& g = global_options();
  app.add_option("--clients", g.clients_file,
                 "Client registry file (default: $SPANBENCH_CLIENTS, else ./clients.toml, else "
                 "the one installed with spanbench)");
  app.add_option("--log-dir", g.log_dir, "Folder for spanbench.log and per-run client logs")
      ->check(writable_path(true))
      ->capture_default_str();
}

// The command the user chose, or the root when none was recognised.
const CLI::App& active_command(const CLI::App& app) {
  const auto parsed = app.get_subcommands();
  return parsed.empty() ? app : *parsed.front();
}

std::string command_path(const CLI::App& app, const CLI::App& command) {
  return &command == &app ? "spanbench" : "spanbench " + command.get_name();
}

std::vector<std::string> option_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* o : command.get_options()) {
    for (const auto& n : o->get_lnames()) names.push_back("--" + n);
    for (const auto& n : o->get_snames()) names.push_back("-" + n);
  }
  return names;
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// What went wrong while parsing, as one line that says what to do.
std::string explain(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App& command = active_command(app);
  const std::string help = "see " + command_path(app, command) + " --help";

  if (&command == &app && dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
      std::string(e.what()).find("subcommand") != std::string::npos) {
    const auto extras = app.remaining();
    const auto commands = command_names(app);
    if (extras.empty() || extras.front().rfind('-', 0) == 0) {
      return "give a command: " + join(commands) + " (" + help + ")";
    }
    const std::string& word = extras.front();
    if (auto near = closest_match(word, commands)) {
      return "unknown command " + word + "; did you mean " + *near + "? (" + help + ")";
    }
    return "unknown command " + word + "; the commands are " + join(commands) + " (" + help + ")";
  }

  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const auto extras = app.remaining(/*recurse=*/true);
    const std::string where = &command == &app ? "" : " for " + command.get_name();
    for (const auto& arg : extras) {
      if (arg.size() < 2 || arg[0] != '-') continue;
      const std::string name = arg.substr(0, arg.find('='));
      if (auto near = closest_match(name, option_names(command))) {
        return "unknown option " + name + where + "; did you mean " + *near + "? (" + help + ")";
      }
      return "unknown option " + name + where + " (" + help + ")";
    }
    if (!extras.empty()) {
      return "unexpected argument " + extras.front() + where + " (" + help + ")";
    }
  }
  // CLI11's wording for a missing value and an unreadable one, as sentences.
  static const std::regex missing_value(R"(^(\S+): \d+ required .* missing$)");
  static const std::regex unreadable(R"(^Could not convert: (\S+) = (.*)$)");
  const std::string what = e.what();
  std::smatch m;
  if (std::regex_match(what, m, missing_value)) {
    return m[1].str() + " needs a value (" + help + ")";
  }
  if (std::regex_match(what, m, unreadable)) {
    return m[1].str() + " cannot take " + m[2].str() + " (wrong type or out of range; " + help +
           ")";
  }
  return sentence(what) + " (" + help + ")";
}

int fail(const std::string& message, int code) {
  std::cerr << "spanbench: " << message << "\n";
  return code;
}

}  // namespace
}  // namespace spanbench::cli

int main(int argc, char** argv) {
  using namespace spanbench;
  CLI::App app{
      "spanbench: measure what a tracing library costs the program that uses it\n"
      "(CPU, memory, spans per second, spans lost) against mock satellites."};
  app.set_version_flag("--version", SPANBENCH_VERSION);
  app.footer(cli::kExitCodes);
  cli::add_global_options(app);
  app.require_subcommand(1);
  cli::add_clients_command(app);
  cli::add_calibrate_command(app);
  cli::add_run_command(app);
  cli::add_satellite_command(app);
  cli::add_check_command(app);
  cli::add_regress_command(app);
  cli::add_graph_command(app);
  cli::add_report_command(app);
  cli::add_compare_command(app);
  cli::add_leaderboard_command(app);
  cli::add_profile_command(app);
  cli::add_sweep_command(app);
  cli::add_merge_command(app);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    cli::add_global_options(*sub);
    if (sub->get_footer().empty()) sub->footer(cli::kExitCodes);
  }
  cli::install_stop_signals();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return cli::fail(cli::explain(app, e), cli::kExitUsage);
  } catch (const RunFailed& e) {
    return cli::fail(e.what(), cli::stop_requested() ? cli::kExitInterrupted : cli::kExitFailed);
  } catch (const UsageError& e) {
    return cli::fail(e.what(), cli::kExitUsage);
  } catch (const NoisyVerdict& e) {
    return cli::fail(e.what(), cli::kExitNoisy);
  } catch (const Error& e) {
    return cli::fail(e.what(), cli::stop_requested() ? cli::kExitInterrupted : cli::kExitFailed);
  } catch (const std::exception& e) {
    return cli::fail(std::string("unexpected error: ") + e.what(), cli::kExitFailed);
  }
  return 0;
}
