#include "controller/client_registry.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace spanbench {
namespace {

std::string error_of(std::string_view toml) {
  try {
    ClientRegistry::parse(toml, "/tmp", "test.toml");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ClientRegistry, ParsesEntries) {
  auto reg = ClientRegistry::parse(R"(
[clients.a]
command = ["bin/a", "--x"]
protocol = "datadog"
description = "first"

[clients.b]
command = ["sh", "-c", "true"]
requires = ["some/dir"]
)",
                                   "/base", "t.toml");
  ASSERT_EQ(reg.entries().size(), 2u);
  const auto& a = reg.get("a");
  EXPECT_EQ(a.command, (std::vector<std::string>{"bin/a", "--x"}));
  EXPECT_EQ(a.protocol, "datadog");
  EXPECT_TRUE(a.reports_over_network());
  const auto& b = reg.get("b");
  EXPECT_EQ(b.protocol, "none");
  EXPECT_FALSE(b.reports_over_network());
  EXPECT_EQ(b.requires_paths, (std::vector<std::string>{"some/dir"}));
}

TEST(ClientRegistry, UnknownNameListsKnownOnes) {
  auto reg = ClientRegistry::parse(
      "[clients.one]\ncommand=[\"x\"]\n[clients.two]\ncommand=[\"y\"]\n", "/", "t");
  try {
    reg.get("three");
    FAIL();
  } catch (const UsageError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("three"), std::string::npos);
    EXPECT_NE(msg.find("one, two"), std::string::npos);
  }
}

TEST(ClientRegistry, MissingCommandNamesTheLine) {
  std::string msg = error_of("# header\n\n[clients.bad]\nprotocol = \"otlp\"\n");
  EXPECT_NE(msg.find("test.toml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no command"), std::string::npos) << msg;
}

TEST(ClientRegistry, WrongTypesNameTheLine) {
  std::string msg = error_of("[clients.bad]\ncommand = \"just a string\"\n");
  EXPECT_NE(msg.find("test.toml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("array of strings"), std::string::npos) << msg;

  msg = error_of("[clients.bad]\ncommand = [\"ok\",\n  42]\n");
  EXPECT_NE(msg.find("test.toml:3"), std::string::npos) << msg;

  msg = error_of("[clients.bad]\ncommand = [\"ok\"]\nprotocol = 7\n");
  EXPECT_NE(msg.find("test.toml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("protocol must be a string"), std::string::npos) << msg;

  msg = error_of("[clients.bad]\ncommand = []\n");
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
}

TEST(ClientRegistry, UnknownKeysTablesAndProtocolsNameTheLine) {
  std::string msg = error_of("[clients.a]\ncommand = [\"x\"]\n\ncomand = [\"y\"]\n");
  EXPECT_NE(msg.find("test.toml:4: unknown key clients.a.comand"), std::string::npos) << msg;
  EXPECT_NE(msg.find("command, protocol"), std::string::npos) << msg;

  msg = error_of("[clients.a]\ncommand = [\"x\"]\n[clients.a.env]\nX = \"1\"\n");
  EXPECT_NE(msg.find("test.toml:3: unknown table [clients.a.env]"), std::string::npos) << msg;

  msg = error_of("[client.a]\ncommand = [\"x\"]\n");
  EXPECT_NE(msg.find("test.toml:1: unknown table [client]"), std::string::npos) << msg;

  msg = error_of("timeout = 3\n[clients.a]\ncommand = [\"x\"]\n");
  EXPECT_NE(msg.find("test.toml:1: unknown key timeout"), std::string::npos) << msg;

  msg = error_of("[clients.a]\ncommand = [\"x\"]\nprotocol = \"carrier-pigeon\"\n");
  EXPECT_NE(msg.find("test.toml:3: unknown protocol \"carrier-pigeon\" for clients.a"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("otlp-grpc"), std::string::npos) << msg;

  // Every key the documentation lists is accepted.
  EXPECT_EQ(
      error_of("[clients.a]\ncommand = [\"x\"]\nprotocol = \"otlp-grpc\"\n"
               "description = \"d\"\nrequires = []\nsetup = \"s\"\nready_check = [\"true\"]\n"),
      "");
}

TEST(ClientRegistry, TheShippedRegistryParses) {
  EXPECT_NO_THROW(ClientRegistry::load(std::string(SPANBENCH_SOURCE_DIR) + "/clients.toml"));
}

TEST(ClientRegistry, SyntaxErrorNamesTheLine) {
  std::string msg = error_of("[clients.a]\ncommand = [\"x\"\n\n[clients.b\n");
  EXPECT_NE(msg.find("test.toml:"), std::string::npos) << msg;
  EXPECT_FALSE(error_of("").empty());
}

TEST(ClientRegistry, ReadinessChecksProgramAndRequiredPaths) {
  auto reg = ClientRegistry::parse(R"(
[clients.present]
command = ["sh", "-c", "true"]
[clients.absent]
command = ["definitely-not-a-program-xyz"]
[clients.relative]
command = ["no/such/binary"]
setup = "run the installer"
[clients.needs]
command = ["sh"]
requires = ["no-such-folder"]
)",
                                   "/tmp", "t");
  EXPECT_TRUE(reg.readiness(reg.get("present")).ready);
  auto absent = reg.readiness(reg.get("absent"));
  EXPECT_FALSE(absent.ready);
  EXPECT_NE(absent.reason.find("not found in PATH"), std::string::npos);
  auto rel = reg.readiness(reg.get("relative"));
  EXPECT_FALSE(rel.ready);
  EXPECT_NE(rel.reason.find("run the installer"), std::string::npos) << rel.reason;
  EXPECT_FALSE(reg.readiness(reg.get("needs")).ready);
}

}  // namespace
}  // namespace spanbench

namespace spanbench {
namespace {

TEST(ClientRegistry, ReadyCheckCommandDecidesAndGivesTheReason) {
  auto reg = ClientRegistry::parse(R"(
[clients.ok]
command = ["sh"]
ready_check = ["sh", "-c", "exit 0"]
[clients.missing-package]
command = ["sh"]
ready_check = ["sh", "-c", "echo 'python package lightstep missing: pip install lightstep'; exit 1"]
)",
                                   "/tmp", "t");
  EXPECT_TRUE(reg.readiness(reg.get("ok")).ready);
  auto r = reg.readiness(reg.get("missing-package"));
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "python package lightstep missing: pip install lightstep");
}

}  // namespace
}  // namespace spanbench
