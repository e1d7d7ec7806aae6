// Nothing a client starts outlives it, and its log stays bounded: real
// processes that fork, daemonise, change process group and ignore SIGTERM,
// ended every way a run can end.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "controller/controller.h"
#include "process/child_process.h"
#include "process/process_tree.h"
#include "process/socket_owner.h"
#include "support/controller_support.h"

extern char** environ;

namespace spanbench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const std::string kLitter = std::string(TEST_FAKE_CLIENTS_DIR) + "/litter_client.sh";

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Alive and not a zombie waiting to be reaped.
bool alive(pid_t pid) {
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

std::vector<pid_t> read_pids(const std::string& file) {
  std::vector<pid_t> pids;
  std::ifstream in(file);
  pid_t p;
  while (in >> p) pids.push_back(p);
  return pids;
}

// Waits until the litter client has started all its processes.
std::vector<pid_t> wait_for_litter(const std::string& pidfile, std::chrono::seconds limit = 10s) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    auto pids = read_pids(pidfile);
    if (pids.size() >= 4) return pids;
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

// True once none of `pids` is alive, polling up to `limit`.
bool all_gone(const std::vector<pid_t>& pids, std::chrono::milliseconds limit = 0ms) {
  auto deadline = Clock::now() + limit;
  while (true) {
    bool any = false;
    for (pid_t p : pids) any = any || alive(p);
    if (!any) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

std::string describe(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t p : pids) {
    out += std::to_string(p) + (alive(p) ? " alive: " : " gone") +
           (alive(p) ? read_text("/proc/" + std::to_string(p) + "/stat") : "") + "\n";
  }
  return out;
}

class LitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pidfile_ = std::string(TEST_WORK_DIR) + "/litter-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".pids";
    std::remove(pidfile_.c_str());
    setenv("SPANBENCH_TEST_PIDFILE", pidfile_.c_str(), 1);
    setenv("SPANBENCH_TEST_LITTER", "exit", 1);
  }
  void TearDown() override {
    // Whatever a failed test left, do not leave it to the next one.
    for (pid_t p : read_pids(pidfile_)) {
      if (alive(p)) ::kill(p, SIGKILL);
    }
  }
  std::string pidfile_;
};

TEST_F(LitterTest, LeftoversAreKilledWhenTheChildExits) {
  SpawnOptions o;
  o.argv = {"sh", kLitter};
  ChildProcess child = ChildProcess::spawn(o);
  ASSERT_TRUE(child.wait_for_exit(20s));
  EXPECT_EQ(child.exit_info().exit_code(), 0);
  auto pids = read_pids(pidfile_);
  ASSERT_EQ(pids.size(), 4u);
  EXPECT_EQ(pids[0], child.pid());
  EXPECT_TRUE(all_gone(pids)) << describe(pids);
  EXPECT_EQ(child.leftovers_killed(), 3);
  // The supervisor is reaped too.
  EXPECT_FALSE(alive(child.supervisor_pid()));
}

TEST_F(LitterTest, KillEndsATreeThatIgnoresSigterm) {
  setenv("SPANBENCH_TEST_LITTER", "hang", 1);
  SpawnOptions o;
  o.argv = {"sh", kLitter};
  ChildProcess child = ChildProcess::spawn(o);
  auto pids = wait_for_litter(pidfile_);
  ASSERT_EQ(pids.size(), 4u);
  EXPECT_FALSE(child.wait_for_exit(100ms));
  EXPECT_TRUE(child.group_alive());
  auto t0 = Clock::now();
  child.kill_group(300ms);
  EXPECT_LT(Clock::now() - t0, 3s);
  EXPECT_FALSE(child.running());
  EXPECT_FALSE(child.group_alive());
  EXPECT_EQ(child.exit_info().term_signal(), SIGKILL) << child.exit_info().describe();
  EXPECT_TRUE(all_gone(pids)) << describe(pids);
}

TEST_F(LitterTest, DestructorEndsTheTree) {
  setenv("SPANBENCH_TEST_LITTER", "hang", 1);
  std::vector<pid_t> pids;
  {
    SpawnOptions o;
    o.argv = {"sh", kLitter};
    ChildProcess child = ChildProcess::spawn(o);
    pids = wait_for_litter(pidfile_);
    ASSERT_EQ(pids.size(), 4u);
  }
  EXPECT_TRUE(all_gone(pids)) << describe(pids);
}

TEST_F(LitterTest, ChildDiesWithItsSupervisor) {
  // The supervisor is the one process that must not be killed; if it is,
  // the child still dies with it (PR_SET_PDEATHSIG).
  setenv("SPANBENCH_TEST_LITTER", "hang", 1);
  SpawnOptions o;
  o.argv = {"sh", kLitter};
  ChildProcess child = ChildProcess::spawn(o);
  auto pids = wait_for_litter(pidfile_);
  ASSERT_EQ(pids.size(), 4u);
  ASSERT_EQ(::kill(child.supervisor_pid(), SIGKILL), 0);
  EXPECT_TRUE(all_gone({child.pid()}, 3000ms)) << describe(pids);
  EXPECT_TRUE(child.wait_for_exit(5s));
  EXPECT_EQ(child.exit_info().term_signal(), SIGKILL);
}

class LitterRunTest : public LitterTest {
 protected:
  static void SetUpTestSuite() {
    controller_ = new Controller(testing::test_controller_options(30));
  }
  static void TearDownTestSuite() { delete controller_; }
  static RunOptions options(double runtime) {
    RunOptions o;
    o.client = "litter";
    o.spans_per_second = 10;
    o.runtime_seconds = runtime;
    o.trace = false;
    return o;
  }
  static Controller* controller_;
};
Controller* LitterRunTest::controller_ = nullptr;

TEST_F(LitterRunTest, NothingOutlivesARunThatEndsNormally) {
  ControlCommand c;
  c.repeat = 1;
  Result r = controller_->run_command(options(1), c);
  auto pids = read_pids(pidfile_);
  ASSERT_EQ(pids.size(), 4u);
  EXPECT_TRUE(all_gone(pids)) << describe(pids);
  // Two runs in the same second of the same process still get their own log.
  Result again = controller_->run_command(options(1), c);
  EXPECT_NE(r.log_file, again.log_file);
  EXPECT_NE(r.log_file.find("-" + std::to_string(getpid()) + "-"), std::string::npos) << r.log_file;
}

TEST_F(LitterRunTest, NothingOutlivesARunThatTimesOut) {
  setenv("SPANBENCH_TEST_LITTER", "hang", 1);
  auto t0 = Clock::now();
  EXPECT_THROW(controller_->run_command(options(1), ControlCommand{}), RunFailed);
  EXPECT_LT(Clock::now() - t0, 8s);
  auto pids = read_pids(pidfile_);
  ASSERT_EQ(pids.size(), 4u);
  EXPECT_TRUE(all_gone(pids)) << describe(pids);
}

// The spanbench binary, run as a user runs it, stopped by a signal.
class LitterCliTest : public LitterTest {
 protected:
  pid_t start_spanbench(int port_offset) {
    std::string cal = std::string(TEST_WORK_DIR) + "/litter-cal.json";
    std::ofstream(cal) << R"({"client":"litter","target_cpu":0.7,"work_ns_per_unit":1,
      "span_overhead_ns":0,"startup_cpu_seconds":0,"startup_wall_seconds":0})";
    std::vector<std::string> args = {SPANBENCH_BIN,
                                     "--clients",
                                     TEST_CLIENTS_TOML,
                                     "--log-dir",
                                     std::string(TEST_WORK_DIR) + "/logs",
                                     "run",
                                     "--client",
                                     "litter",
                                     "--runtime",
                                     "20",
                                     "--sps",
                                     "10",
                                     "--satellites",
                                     "none",
                                     "--calibration",
                                     cal,
                                     "--control-port",
                                     std::to_string(testing::test_port(port_offset))};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, SPANBENCH_BIN, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0);
    return pid;
  }
  // Waits (bounded) for spanbench to exit; its wait status, or -1.
  int wait_spanbench(pid_t pid, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    int status = 0;
    while (Clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid) return status;
      std::this_thread::sleep_for(10ms);
    }
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
  }
};

TEST_F(LitterCliTest, NothingOutlivesSpanbenchStoppedBySigint) {
  setenv("SPANBENCH_TEST_LITTER", "hang", 1);
  pid_t sb = start_spanbench(31);
  auto pids = wait_for_litter(pidfile_, 20s);
  ASSERT_EQ(pids.size(), 4u);
  ASSERT_EQ(::kill(sb, SIGINT), 0);
  int status = wait_spanbench(sb, 10s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << status;
  EXPECT_TRUE(all_gone(pids)) << describe(pids);
}

TEST_F(LitterCliTest, NothingOutlivesSpanbenchKilledBySigkill) {
  setenv("SPANBENCH_TEST_LITTER", "hang", 1);
  pid_t sb = start_spanbench(32);
  auto pids = wait_for_litter(pidfile_, 20s);
  ASSERT_EQ(pids.size(), 4u);
  ASSERT_EQ(::kill(sb, SIGKILL), 0);
  int status = wait_spanbench(sb, 10s);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  // Nobody is left to be asked: the supervisor sees spanbench's end of its
  // channel close and ends the tree on its own.
  EXPECT_TRUE(all_gone(pids, 3000ms)) << describe(pids);
}

TEST(ChildLog, OutputIsCappedKeepingHeadAndTail) {
  std::string log = std::string(TEST_WORK_DIR) + "/capped.log";
  SpawnOptions o;
  o.argv = {"seq", "1", "1000000"};
  o.log_file = log;
  o.log_head_bytes = 64 * 1024;
  o.log_tail_bytes = 32 * 1024;
  ChildProcess child = ChildProcess::spawn(o);
  ASSERT_TRUE(child.wait_for_exit(30s));
  std::string printed;
  for (int i = 1; i <= 1'000'000; ++i) printed += std::to_string(i) + "\n";

  std::string text = read_text(log);
  ASSERT_GT(text.size(), 64u * 1024);
  EXPECT_LT(text.size(), 64u * 1024 + 32 * 1024 + 200);
  EXPECT_EQ(text.substr(0, 64 * 1024), printed.substr(0, 64 * 1024));
  // One line, on its own, says how much was cut.
  auto at = text.find("[spanbench: ", 64 * 1024);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(text[at - 1], '\n');
  auto marker_end = text.find('\n', at) + 1;
  std::string tail = text.substr(marker_end);
  size_t cut = std::stoul(text.substr(at + 12));
  // Head + cut + tail is exactly what the program printed, and the tail is
  // its end, starting at a line.
  EXPECT_EQ(64 * 1024 + cut + tail.size(), printed.size());
  EXPECT_EQ(printed.substr(printed.size() - tail.size()), tail);
  EXPECT_EQ(printed[printed.size() - tail.size() - 1], '\n');
  EXPECT_GT(tail.size(), 30u * 1024);
}

TEST(ChildLog, SmallOutputIsKeptWhole) {
  std::string log = std::string(TEST_WORK_DIR) + "/small.log";
  SpawnOptions o;
  o.argv = {"sh", "-c", "echo out; echo err >&2; printf 'no newline'"};
  o.log_file = log;
  ChildProcess child = ChildProcess::spawn(o);
  ASSERT_TRUE(child.wait_for_exit(10s));
  EXPECT_EQ(read_text(log), "out\nerr\nno newline");
}

TEST(ChildProcessStart, MissingProgramIsNamed) {
  SpawnOptions o;
  o.argv = {"no-such-program-spanbench"};
  try {
    ChildProcess::spawn(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-program-spanbench: No such file"),
              std::string::npos)
        << e.what();
  }
  o.argv = {"/etc/passwd"};
  try {
    ChildProcess::spawn(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/etc/passwd: Permission denied"), std::string::npos)
        << e.what();
  }
}

TEST(ChildProcessStart, RunsInWorkingDirWithExtraEnv) {
  std::string log = std::string(TEST_WORK_DIR) + "/env.log";
  SpawnOptions o;
  o.argv = {"sh", "-c", "pwd; echo $SPANBENCH_X; exec grep -E '^Sig(Blk|Ign)' /proc/self/status"};
  o.extra_env = {{"SPANBENCH_X", "hello"}};
  o.working_dir = "/tmp";
  o.log_file = log;
  ChildProcess child = ChildProcess::spawn(o);
  ASSERT_TRUE(child.wait_for_exit(10s));
  // No signal the supervisor blocks or ignores is still so in the child.
  EXPECT_EQ(read_text(log), "/tmp\nhello\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(ChildProcessStart, PeakRssIsTheChildsOwn) {
  // Make this process big, then start a small program: the kernel's peak
  // RSS of the child must not include ours.
  const size_t big = 256u << 20;
  void* p = mmap(nullptr, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  memset(p, 1, big);
  SpawnOptions o;
  o.argv = {"true"};
  ChildProcess child = ChildProcess::spawn(o);
  ASSERT_TRUE(child.wait_for_exit(10s));
  munmap(p, big);
  EXPECT_GT(child.exit_info().max_rss_bytes(), 0);
  EXPECT_LT(child.exit_info().max_rss_bytes(), 16 << 20);
}

TEST(ProcessTree, FindsDescendantsThatLeftTheirSession) {
  EXPECT_EQ(parse_stat_ppid("42 (a) b) c) S 7 42 42 0"), 7);
  EXPECT_FALSE(parse_stat_ppid("42 (x) S").has_value());
  EXPECT_FALSE(parse_stat_ppid("garbage").has_value());
  pid_t child = fork();
  if (child == 0) {
    setsid();
    if (fork() == 0) {
      pause();
      _exit(0);
    }
    pause();
    _exit(0);
  }
  ASSERT_GT(child, 0);
  std::vector<pid_t> d;
  auto deadline = Clock::now() + 5s;
  while ((d = process_descendants(getpid())).size() < 2 && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(d.size(), 2u);
  EXPECT_NE(std::find(d.begin(), d.end(), child), d.end());
  auto scanned = process_descendants_by_scan(getpid());
  std::sort(d.begin(), d.end());
  std::sort(scanned.begin(), scanned.end());
  EXPECT_EQ(d, scanned);
  for (pid_t p : d) ::kill(p, SIGKILL);
  waitpid(child, nullptr, 0);
}

// A process connects to a listener here; the kernel says whose socket the
// accepted connection's peer is.
void check_peer_owner(int family, const char* loopback) {
  int listener = socket(family, SOCK_STREAM, 0);
  sockaddr_storage addr = {};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    inet_pton(AF_INET, loopback, &a->sin_addr);
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    inet_pton(AF_INET6, loopback, &a->sin6_addr);
    len = sizeof(*a);
  }
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    close(listener);
    GTEST_SKIP() << loopback << " is not configured here";
  }
  listen(listener, 4);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  pid_t owner = fork();
  if (owner == 0) {
    int s = socket(family, SOCK_STREAM, 0);
    if (connect(s, reinterpret_cast<sockaddr*>(&addr), len) != 0) _exit(1);
    pause();
    _exit(0);
  }
  pid_t bystander = fork();
  if (bystander == 0) {
    pause();
    _exit(0);
  }
  sockaddr_storage peer = {};
  socklen_t peer_len = sizeof(peer);
  int conn = accept(listener, reinterpret_cast<sockaddr*>(&peer), &peer_len);
  ASSERT_GE(conn, 0);
  auto endpoint = [](const sockaddr_storage& a) {
    char ip[INET6_ADDRSTRLEN] = {};
    uint16_t port = 0;
    if (a.ss_family == AF_INET) {
      auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
      inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof(ip));
      port = ntohs(v4->sin_port);
    } else {
      auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
      inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof(ip));
      port = ntohs(v6->sin6_port);
    }
    return *TcpEndpoint::parse(ip, port);
  };
  auto server_end = endpoint(addr);
  auto peer_end = endpoint(peer);
  EXPECT_TRUE(peer_belongs_to_tree(server_end, peer_end, owner)) << loopback;
  EXPECT_TRUE(peer_belongs_to_tree(server_end, peer_end, getpid())) << "an ancestor's tree";
  EXPECT_FALSE(peer_belongs_to_tree(server_end, peer_end, bystander)) << loopback;
  // The server's own end is not the peer's.
  EXPECT_FALSE(peer_belongs_to_tree(peer_end, server_end, owner)) << loopback;
  for (pid_t p : {owner, bystander}) {
    ::kill(p, SIGKILL);
    waitpid(p, nullptr, 0);
  }
  close(conn);
  close(listener);
}

TEST(SocketOwnerLive, FindsWhoHoldsTheOtherEndOverIpv4) { check_peer_owner(AF_INET, "127.0.0.1"); }
TEST(SocketOwnerLive, FindsWhoHoldsTheOtherEndOverIpv6) { check_peer_owner(AF_INET6, "::1"); }

}  // namespace
}  // namespace spanbench
