#include "core/control_command.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace spanbench {
namespace {

TEST(ControlCommand, RoundTripsWithSeedFieldNames) {
  ControlCommand c;
  c.trace = false;
  c.sleep_ns = 123;
  c.sleep_interval_ns = 456;
  c.work = 789;
  c.repeat = 42;
  c.no_flush = true;
  c.num_tags = 3;
  c.num_logs = 4;
  c.satellite_ports = {9000, 9001};
  nlohmann::json j = to_json(c);
  EXPECT_EQ(j["Trace"], false);
  EXPECT_EQ(j["Sleep"], 123);
  EXPECT_EQ(j["SleepInterval"], 456);
  EXPECT_EQ(j["Work"], 789);
  EXPECT_EQ(j["Repeat"], 42);
  EXPECT_EQ(j["NoFlush"], true);
  EXPECT_EQ(j["SatellitePorts"], nlohmann::json::array({9000, 9001}));
  ControlCommand back = control_command_from_json(j.dump());
  EXPECT_EQ(back.repeat, 42);
  EXPECT_EQ(back.sleep_interval_ns, 456);
  EXPECT_EQ(back.num_logs, 4);
  EXPECT_EQ(back.satellite_ports, (std::vector<uint16_t>{9000, 9001}));
}

TEST(ControlCommand, SeedMessageWithoutExtendedFieldsTakesDefaults) {
  auto c = control_command_from_json(
      R"({"Trace": true, "Sleep": 100, "SleepInterval": 100000000, "Work": 200000, "Repeat": 500,
          "NoFlush": false, "SomethingNew": [1, 2]})");
  EXPECT_TRUE(c.trace);
  EXPECT_EQ(c.work, 200000);
  EXPECT_EQ(c.num_tags, 10);
  EXPECT_EQ(c.num_logs, 15);
  EXPECT_EQ(c.satellite_host, "127.0.0.1");
  EXPECT_EQ(c.satellite_ports.size(), 8u);
}

TEST(ControlCommand, RejectsMalformedMessages) {
  EXPECT_THROW(control_command_from_json("not json"), Error);
  EXPECT_THROW(control_command_from_json("[1,2]"), Error);
  try {
    control_command_from_json(R"({"Repeat": "many"})");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Repeat"), std::string::npos);
  }
}

TEST(ControlCommand, ExitMessage) {
  auto j = nlohmann::json::parse(exit_command_json());
  EXPECT_EQ(j["Exit"], true);
}

TEST(ClientReport, ParsesOptionalResult) {
  auto r =
      client_report_from_json(R"({"SpansSent": 10, "LoopSeconds": 1.5, "FlushSeconds": 0.25})");
  EXPECT_EQ(r.spans_sent, 10);
  EXPECT_DOUBLE_EQ(r.loop_seconds, 1.5);
  EXPECT_DOUBLE_EQ(r.flush_seconds, 0.25);
  EXPECT_EQ(client_report_from_json("{}").spans_sent, -1);
  EXPECT_THROW(client_report_from_json("{"), Error);
}

}  // namespace
}  // namespace spanbench
