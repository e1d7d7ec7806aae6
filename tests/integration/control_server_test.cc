// The control server answers the client and no one else, and slow or idle
// connections hold nothing up: real processes, real sockets on 127.0.0.1.
#include "controller/control_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "controller/controller.h"
#include "process/child_process.h"
#include "support/controller_support.h"

namespace spanbench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using testing::run_shell;

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string curl(uint16_t port, const std::string& args, const std::string& host = "127.0.0.1") {
  return "curl -s --max-time 5 http://" + host + ":" + std::to_string(port) + args;
}

// A TCP connection to the server that sends `text` one byte per `gap`.
class SlowSender {
 public:
  SlowSender(uint16_t port, std::string text, std::chrono::milliseconds gap) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    thread_ = std::thread([this, text, gap] {
      for (char c : text) {
        if (stop_) break;
        if (send(fd_, &c, 1, MSG_NOSIGNAL) != 1) break;
        for (auto t = 0ms; t < gap && !stop_; t += 10ms) std::this_thread::sleep_for(10ms);
      }
    });
  }
  ~SlowSender() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  bool connected() const { return connected_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

ControlCommand command(int repeat) {
  ControlCommand c;
  c.repeat = repeat;
  return c;
}

TEST(ControlServerAccess, OnlyTheClientGetsTheCommandOrPostsAResult) {
  const uint16_t port = testing::test_port(40);
  ControlServer server(port);
  server.arm(command(77));
  // The real client waits a little, so that the intruder asks first. It
  // names the server the way the original clients hard-coded it
  // (http://localhost:8024/control) and sends no token. It posts its result
  // from a daemonised process (new session, parent gone): still its own.
  std::string log = std::string(TEST_WORK_DIR) + "/access-client.log";
  std::string done = std::string(TEST_WORK_DIR) + "/access-client.done";
  std::remove(done.c_str());
  SpawnOptions o;
  o.argv = {"sh", "-c",
            "sleep 0.3; " + curl(port, "/control", "localhost") + "; echo; ( setsid sh -c \"" +
                curl(port, "/result -d '{\\\"SpansSent\\\": 77}'", "localhost") + "; touch " +
                done + "\" & ); while [ ! -e " + done + " ]; do sleep 0.05; done"};
  o.log_file = log;
  ChildProcess client = ChildProcess::spawn(o);
  server.attach(client.pid());

  // Any other process (here: curl started by this test) is refused, for
  // both endpoints, and nothing it sends is kept.
  auto get = run_shell(curl(port, "/control -w ' %{http_code}'"));
  EXPECT_NE(get.output.find(" 403"), std::string::npos) << get.output;
  EXPECT_EQ(get.output.find("Repeat"), std::string::npos) << get.output;
  auto post =
      run_shell(curl(port, "/result -o /dev/null -w '%{http_code}' -d '{\"SpansSent\": 1000000}'"));
  EXPECT_EQ(post.output, "403");
  EXPECT_FALSE(server.client_report().has_value());

  ASSERT_TRUE(client.wait_for_exit(10s));
  std::string got = read_text(log);
  EXPECT_NE(got.find("\"Repeat\":77"), std::string::npos) << got;
  EXPECT_EQ(server.commands_served(), 1);
  ASSERT_TRUE(server.client_report().has_value());
  EXPECT_EQ(server.client_report()->spans_sent, 77);
  EXPECT_EQ(server.requests_refused(), 2);
}

TEST(ControlServerAccess, AnIntruderFasterThanTheClientStillGetsNothing) {
  // Between arm() and the client being named (while it is started), a
  // request waits rather than being answered.
  const uint16_t port = testing::test_port(41);
  ControlServer server(port);
  server.arm(command(5));
  testing::CommandOutput early;
  std::thread intruder([&] { early = run_shell(curl(port, "/control -w ' %{http_code}'")); });
  std::this_thread::sleep_for(300ms);
  pid_t nobody = fork();  // a client that never asks
  if (nobody == 0) {
    pause();
    _exit(0);
  }
  server.attach(nobody);
  intruder.join();
  kill(nobody, SIGKILL);
  waitpid(nobody, nullptr, 0);
  EXPECT_NE(early.output.find(" 403"), std::string::npos) << early.output;
  EXPECT_EQ(server.commands_served(), 0);
}

TEST(ControlServerAccess, SlowConnectionsStallNothing) {
  const uint16_t port = testing::test_port(42);
  auto server = std::make_unique<ControlServer>(port);
  server->arm(command(9));
  server->attach(getpid());  // curl from this test is the client
  // Two connections that send their request at 1 byte/s, and many idle ones.
  SlowSender slow1(port, "GET /control HTTP/1.1\r\nHost: x\r\n\r\n", 1000ms);
  SlowSender slow2(port, "POST /result HTTP/1.1\r\nHost: x\r\n\r\n", 1000ms);
  ASSERT_TRUE(slow1.connected() && slow2.connected());
  std::vector<std::unique_ptr<SlowSender>> idle;
  for (int i = 0; i < 50; ++i) idle.push_back(std::make_unique<SlowSender>(port, "", 0ms));
  std::this_thread::sleep_for(200ms);
  auto t0 = Clock::now();
  auto got = run_shell(curl(port, "/control"));
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_NE(got.output.find("\"Repeat\":9"), std::string::npos) << got.output;
  // And they do not delay the end either.
  t0 = Clock::now();
  server.reset();
  EXPECT_LT(Clock::now() - t0, 500ms);
}

TEST(ControlServerAccess, OversizedOrEndlessRequestsAreCutOff) {
  const uint16_t port = testing::test_port(43);
  ControlServer server(port);
  server.arm(command(3));
  server.attach(getpid());
  auto big = run_shell(curl(
      port, "/control -o /dev/null -w '%{http_code}' -H 'X-Big: " + std::string(20000, 'a') + "'"));
  EXPECT_EQ(big.output, "413");
  // A request that never ends is closed at the deadline.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  const char head[] = "GET /control HTTP/1.1\r\n";
  ASSERT_EQ(send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL), ssize_t(sizeof(head) - 1));
  timeval tv = {6, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  auto t0 = Clock::now();
  char buf[256];
  EXPECT_EQ(recv(fd, buf, sizeof(buf), 0), 0);  // closed, nothing answered
  EXPECT_LT(Clock::now() - t0, 3s);
  close(fd);
  EXPECT_EQ(server.commands_served(), 0);
  EXPECT_NE(run_shell(curl(port, "/control")).output.find("\"Repeat\":3"), std::string::npos);
}

TEST(ControlServerAccess, AHostilePollerDuringARunTakesNothing) {
  Controller controller(testing::test_controller_options(44));
  const std::string base = "http://127.0.0.1:" + std::to_string(testing::test_port(44));
  std::atomic<bool> stop{false};
  std::vector<std::string> answers;
  std::thread hostile([&] {
    while (!stop) {
      answers.push_back(run_shell("curl -s --max-time 5 -w ' %{http_code}' " + base +
                                  "/control &&"
                                  " curl -s --max-time 5 -o /dev/null -w ' %{http_code}' " +
                                  base + "/result -d '{\"SpansSent\":1000000,\"LoopSeconds\":-1}'")
                            .output);
    }
  });
  std::this_thread::sleep_for(200ms);
  ControlCommand c;
  c.repeat = 2000;
  c.work = 1000;
  c.sleep_ns = 250'000;  // about a second
  c.sleep_interval_ns = 10'000'000;
  RunOptions o;
  o.client = "cpp-noop";
  o.runtime_seconds = 1;
  o.trace = false;
  Result r = controller.run_command(o, c);
  stop = true;
  hostile.join();
  EXPECT_EQ(r.spans_sent, 2000);
  EXPECT_GT(r.client_loop_seconds, 0);
  int refused = 0;
  for (const auto& a : answers) {
    EXPECT_EQ(a.find("Repeat"), std::string::npos) << a;
    if (a.find(" 403 403") != std::string::npos) ++refused;
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace spanbench
