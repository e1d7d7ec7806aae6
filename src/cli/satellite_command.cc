// `spanbench satellite`: run a satellite group alone until SIGINT/SIGTERM.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/signals.h"
#include "cli/validators.h"
#include "core/error.h"
#include "satellite/options.h"
#include "satellite/satellite_group.h"

namespace spanbench::cli {
namespace {

struct SatelliteFlags {
  std::string mode = "typical";
  std::string ports = "8360-8367";
  std::string transport = "http";
  std::string host = "127.0.0.1";
  int admin_port = 8359;
  int64_t latency_ms = 0;
  double error_rate = 0.0;
  uint64_t bandwidth = 0;
  double down_at_s = -1;
  double up_at_s = -1;
  uint64_t max_body_bytes = uint64_t{64} << 20;
  int64_t read_timeout_ms = 5000;
  size_t max_connections = 1024;
  uint64_t max_buffered_bytes = 0;
  bool no_udp = false;
};

std::chrono::milliseconds seconds_to_ms(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000.0 + 0.5));
}

satellite::SatelliteOptions to_options(const SatelliteFlags& f) {
  satellite::SatelliteOptions o;
  const auto mode = satellite::parse_mode(f.mode);
  if (!mode) {
    throw UsageError("--mode '" + f.mode + "' is not one of typical, slow_succeed, slow_fail");
  }
  o.mode = *mode;
  const auto transport = satellite::parse_transport(f.transport);
  if (!transport) throw UsageError("--transport '" + f.transport + "' is not http or grpc");
  o.transport = *transport;
  o.ports = satellite::parse_port_list(f.ports);
  o.host = f.host;
  if (f.admin_port < 0 || f.admin_port > 65535) {
    throw UsageError("--admin-port must be 0 (none) or a port number 1-65535");
  }
  o.admin_port = static_cast<uint16_t>(f.admin_port);
  o.latency = std::chrono::milliseconds(f.latency_ms);
  o.error_rate = f.error_rate;
  o.bandwidth_bytes_per_s = f.bandwidth;
  if (f.down_at_s >= 0) o.down_at = seconds_to_ms(f.down_at_s);
  if (f.up_at_s >= 0) o.up_at = seconds_to_ms(f.up_at_s);
  o.max_body_bytes = f.max_body_bytes;
  o.read_timeout = std::chrono::milliseconds(f.read_timeout_ms);
  o.max_connections = f.max_connections;
  o.max_buffered_bytes = f.max_buffered_bytes;
  o.udp = !f.no_udp;
  satellite::validate(o);
  return o;
}

void run_satellites(const SatelliteFlags& flags) {
  satellite::SatelliteGroup group(to_options(flags));
  try {
    group.start();
  } catch (const satellite::PortInUseError& e) {
    const bool admin = e.kind() == satellite::PortInUseError::Kind::kAdmin;
    // Exit 1, as in every command: the command line was fine, the machine was not.
    throw Error(std::string(e.what()) + "; stop what uses it or pick free ports with " +
                (admin ? "--admin-port" : "--ports"));
  }
  // The down-at/up-at schedule counts from now.
  group.run_started();
  std::cout << "spanbench satellite: listening on " << group.describe() << "; Ctrl-C to stop"
            << std::endl;

  std::string reported_error;
  size_t reported_alerts = 0;
  while (!wait_for_stop(std::chrono::milliseconds(500))) {
    const auto error = group.schedule_error();
    if (error && *error != reported_error) {
      std::cerr << "spanbench satellite: " << *error << std::endl;
      reported_error = *error;
    }
    // Each resource problem once; how often it happened is on /stats.
    const auto alerts = group.alerts();
    for (; reported_alerts < alerts.size(); ++reported_alerts) {
      std::cerr << "spanbench satellite: " << alerts[reported_alerts].message << std::endl;
    }
  }
  group.close();

  const satellite::SatelliteStats stats = group.stats();
  std::cout << "spanbench satellite: stopped; " << stats.total.spans << " spans received ("
            << stats.total.duplicates << " duplicates) in " << stats.total.reports << " reports, "
            << stats.total.bytes << " bytes; " << stats.total.rejected << " reports rejected, "
            << stats.total.failed << " refused by faults" << std::endl;
  if (stats.total.latency_spans > 0) {
    std::cout << fmt::format(
                     "spanbench satellite: export latency p50 {:.3f}s, p99 {:.3f}s over {} spans",
                     stats.total.latency_p50_seconds, stats.total.latency_p99_seconds,
                     stats.total.latency_spans)
              << std::endl;
  }
}

}  // namespace

void add_satellite_command(CLI::App& root) {
  auto flags = std::make_shared<SatelliteFlags>();
  auto* cmd = root.add_subcommand(
      "satellite",
      "Run mock satellites (span collectors) until SIGINT/SIGTERM; counts are served on the "
      "admin port (GET /spans_received, GET /stats, POST /reset)");
  cmd->add_option("--mode", flags->mode,
                  "typical (~0.05 us/span), slow_succeed (~1 us/span), slow_fail (error answers)")
      ->check(one_of({"typical", "slow_succeed", "slow_fail"}))
      ->capture_default_str();
  cmd->add_option("--ports", flags->ports, "Satellite ports, TCP and UDP: 8360-8367 or 8360,8361")
      ->check(port_list())
      ->capture_default_str();
  cmd->add_option("--transport", flags->transport,
                  "http (every protocol by path) or grpc (OTLP TraceService/Export over h2c)")
      ->check(one_of({"http", "grpc"}))
      ->capture_default_str();
  cmd->add_option("--host", flags->host, "Address to bind")->capture_default_str();
  cmd->add_option("--admin-port", flags->admin_port, "Whole-group admin API port; 0 for none")
      ->check(port_number("no admin port"))
      ->capture_default_str();
  cmd->add_option("--latency-ms", flags->latency_ms, "Added delay before answering each report")
      ->check(non_negative_integer("milliseconds"));
  cmd->add_option("--error-rate", flags->error_rate,
                  "Fraction of reports answered 503 / UNAVAILABLE (not counted)")
      ->check(between(0, 1));
  cmd->add_option("--bandwidth", flags->bandwidth,
                  "Bytes per second the whole group reads; 0 for unlimited")
      ->check(non_negative_integer("bytes per second"));
  cmd->add_option("--down-at", flags->down_at_s, "Seconds after start to take the satellites down")
      ->check(non_negative("seconds"));
  cmd->add_option("--up-at", flags->up_at_s, "Seconds after start to bring them back")
      ->check(non_negative("seconds"));
  cmd->add_option("--max-body-bytes", flags->max_body_bytes,
                  "Largest report body accepted (after gunzip)")
      ->check(positive_integer("bytes"))
      ->capture_default_str();
  cmd->add_option("--read-timeout-ms", flags->read_timeout_ms,
                  "An HTTP request stalled this long, or a request head not complete this "
                  "long, is answered 408; a gRPC message not received this long after its "
                  "call began ends with DEADLINE_EXCEEDED")
      ->check(positive_integer("milliseconds"))
      ->capture_default_str();
  cmd->add_option("--max-buffered-bytes", flags->max_buffered_bytes,
                  "Request buffers all HTTP satellites may hold at once (bodies, inflated "
                  "bodies, buffers kept for the next report); beyond it reports are answered "
                  "503. 0: max(512 MiB, 4 x --max-body-bytes)")
      ->check(non_negative_integer("bytes"))
      ->capture_default_str();
  cmd->add_option("--max-connections", flags->max_connections,
                  "HTTP connections the satellite ports hold at once (also kept below the open "
                  "file limit); beyond it the longest-idle one is closed, or, when all are "
                  "busy, the new one is answered 503")
      ->capture_default_str()
      ->check(positive_integer());
  cmd->add_flag("--no-udp", flags->no_udp, "Do not listen for Jaeger agent datagrams on UDP");
  cmd->callback([flags] { run_satellites(*flags); });
}

}  // namespace spanbench::cli
