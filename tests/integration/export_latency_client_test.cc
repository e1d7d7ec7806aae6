// Export latency end to end with real tracers: a traced run of a registered
// client at 1000 spans/s against a real satellite group must time every span
// it delivered, with a plausible median (tracers batch: flush periods of
// 100 ms to 5 s). A client not ready on this machine is skipped, saying why.

#include <gtest/gtest.h>

#include <string>

#include "controller/controller.h"
#include "satellite/satellite_group.h"
#include "support/controller_support.h"
#include "support/sockets.h"

namespace spanbench {
namespace {

class ExportLatencyClientTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ExportLatencyClientTest, EveryDeliveredSpanIsTimed) {
  ControllerOptions co = testing::test_controller_options(50);
  co.clients_file = TEST_SOURCE_DIR "/../../clients.toml";  // the repository's registry
  Controller controller(co);
  const ClientEntry& entry = controller.registry().get(GetParam());
  const Readiness ready = controller.registry().readiness(entry);
  if (!ready.ready) GTEST_SKIP() << entry.name << " is not ready here: " << ready.reason;

  const testing::PortBlock block = testing::free_ports(4);
  satellite::SatelliteOptions so;
  so.ports = block.ports;
  so.admin_port = block.admin;
  so.transport = family_spec(entry.protocol).transport;
  satellite::SatelliteGroup group(so);
  group.start();

  RunOptions ro;
  ro.client = entry.name;
  ro.spans_per_second = 1000;
  ro.runtime_seconds = 2;
  ro.sink = &group;
  ro.sink_label = "typical";
  ro.satellite_ports = so.ports;
  // No calibration: the pace comes from sleeping 1 ms per span.
  ControlCommand c;
  c.trace = true;
  c.work = 0;
  c.sleep_ns = 1'000'000;
  c.repeat = 2000;
  const Result r = controller.run_command(ro, c);

  EXPECT_EQ(r.spans_received, 2000);
  EXPECT_EQ(r.export_latency_spans, r.spans_received);
  ASSERT_TRUE(r.export_latency_p50_seconds.has_value());
  ASSERT_TRUE(r.export_latency_p99_seconds.has_value());
  const double p50 = *r.export_latency_p50_seconds;
  const double p99 = *r.export_latency_p99_seconds;
  std::cout << entry.name << ": export latency p50 " << p50 << " s, p99 " << p99 << " s\n";
  EXPECT_GT(p50, 0);
  EXPECT_LT(p50, 5);
  EXPECT_GE(p99, p50);
  EXPECT_LT(p99, 15);
}

// A C++ tracer (Datadog msgpack, nanosecond times) and a Node one (OTLP
// protobuf, end times from performance.timeOrigin + performance.now()).
INSTANTIATE_TEST_SUITE_P(Clients, ExportLatencyClientTest,
                         ::testing::Values("cpp-datadog", "node-otel-otlp-proto"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace spanbench
