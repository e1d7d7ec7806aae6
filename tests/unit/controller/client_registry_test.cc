#include "controller/client_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

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
  EXPECT_EQ(a.protocol, ProtocolFamily::kDatadog);
  EXPECT_TRUE(a.reports_over_network());
  const auto& b = reg.get("b");
  EXPECT_EQ(b.protocol, ProtocolFamily::kNone);
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

TEST(ClientRegistry, EveryProtocolFamilyIsAccepted) {
  for (const auto& family : protocol_families()) {
    auto reg = ClientRegistry::parse(
        "[clients.a]\ncommand = [\"x\"]\nprotocol = \"" + std::string(family.name) + "\"\n", "/",
        "t");
    EXPECT_EQ(reg.get("a").protocol, family.family) << family.name;
  }
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

namespace spanbench {
namespace {

// Sets an environment variable and the working directory for one test, and
// puts both back.
class RegistryLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cwd_ = std::filesystem::current_path();
    if (const char* v = std::getenv("SPANBENCH_CLIENTS")) old_env_ = v;
    unsetenv("SPANBENCH_CLIENTS");
    dir_ = std::filesystem::temp_directory_path() /
           ("spanbench-lookup-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::filesystem::current_path(dir_);
  }
  void TearDown() override {
    std::filesystem::current_path(old_cwd_);
    if (old_env_) {
      setenv("SPANBENCH_CLIENTS", old_env_->c_str(), 1);
    } else {
      unsetenv("SPANBENCH_CLIENTS");
    }
    std::filesystem::remove_all(dir_);
  }
  void write(const std::filesystem::path& p) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << "[clients.x]\ncommand = [\"x\"]\n";
  }
  std::filesystem::path dir_;
  std::filesystem::path old_cwd_;
  std::optional<std::string> old_env_;
};

TEST_F(RegistryLookup, ExplicitThenEnvironmentThenWorkingFolder) {
  write(dir_ / "clients.toml");
  write(dir_ / "env" / "clients.toml");
  EXPECT_EQ(find_client_registry(), "clients.toml");
  setenv("SPANBENCH_CLIENTS", (dir_ / "env" / "clients.toml").c_str(), 1);
  EXPECT_EQ(find_client_registry(), dir_ / "env" / "clients.toml");
  EXPECT_EQ(find_client_registry("mine.toml"), "mine.toml");
  // An explicit file that does not exist is not replaced by another.
  EXPECT_THROW(ClientRegistry::load(find_client_registry("mine.toml")), UsageError);
}

TEST_F(RegistryLookup, NoneFoundSaysWhereItLookedAndWhatToDo) {
  if (std::filesystem::exists(std::filesystem::path(SPANBENCH_INSTALL_DATA_DIR) / "clients.toml"))
    GTEST_SKIP() << "spanbench is installed in " SPANBENCH_INSTALL_DATA_DIR
                    " on this machine, so a registry is always found";
  try {
    find_client_registry();
    FAIL() << "found a registry in an empty folder";
  } catch (const UsageError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("clients.toml, "), std::string::npos) << msg;
    EXPECT_NE(msg.find("--clients FILE"), std::string::npos) << msg;
    EXPECT_NE(msg.find("SPANBENCH_CLIENTS"), std::string::npos) << msg;
  }
}

TEST_F(RegistryLookup, PathsAndSetupHintsAreRelativeToTheRegistryFolder) {
  std::filesystem::create_directories(dir_ / "reg" / "bin");
  std::ofstream(dir_ / "reg" / "clients.toml")
      << "[clients.here]\ncommand = [\"bin/tool\"]\nsetup = \"build {dir}/bin/tool\"\n";
  auto reg = ClientRegistry::load(dir_ / "reg" / "clients.toml");
  EXPECT_EQ(reg.base_dir(), dir_ / "reg");
  auto r = reg.readiness(reg.get("here"));
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "bin/tool missing: build " + (dir_ / "reg").string() + "/bin/tool");
  {
    std::ofstream tool(dir_ / "reg" / "bin" / "tool");
    tool << "#!/bin/sh\n";
  }
  std::filesystem::permissions(dir_ / "reg" / "bin" / "tool", std::filesystem::perms::owner_all);
  EXPECT_TRUE(reg.readiness(reg.get("here")).ready);
}

}  // namespace
}  // namespace spanbench
