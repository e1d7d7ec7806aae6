#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/control_command.h"

namespace spanbench {

// A moment in the client's life, read when the control server handled one
// of its requests: the wall clock, and the client process's CPU clock (all
// its threads) if it could be read.
struct ClientMark {
  std::chrono::steady_clock::time_point at;
  std::optional<int64_t> cpu_ns;
};

// The protocol events of one run, as the control server saw them.
struct ClientMarks {
  std::optional<ClientMark> command;     // first GET /control served the command
  std::optional<ClientMark> loop_start;  // POST /loop_start (optional)
  std::optional<ClientMark> result;      // POST /result accepted
};

// Called on the control server's thread before the client's request is
// answered, so the client waits for them: when the command is served
// (first GET /control) and when the loop's end is marked (first POST
// /result). They may block (briefly).
struct ControlHooks {
  std::function<void()> on_command;
  std::function<void()> on_result;
};

// The HTTP endpoint clients ask what to do (docs/protocol.md). It serves the armed
// command once per run and {"Exit": true} to every later GET of that run,
// and takes the optional POST /loop_start and POST /result, marking each
// with the client's CPU clock so that the loop can be measured apart from
// start-up and flush.
//
// Only the client may use it: from arm() until the run ends, a request is
// answered only if the socket it came on belongs to the client's process
// tree (attach()); any other process gets 403 and a log line. This needs
// nothing from the client: the kernel says which process holds the other
// end of the connection.
//
// Connections are served concurrently on one thread, each with a deadline
// for the whole request, so slow or idle connections hold nothing up.
class ControlServer {
 public:
  // Binds host:port; throws spanbench::Error when it cannot (port in use).
  explicit ControlServer(uint16_t port, const std::string& host = "127.0.0.1");
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Sets the command for the next run and forgets the previous run's state,
  // client included: until attach(), requests wait (up to a deadline).
  void arm(const ControlCommand& command);
  // The run's client, known once it is spawned: the process whose CPU clock
  // the marks read, and whose process tree alone may be answered (with the
  // spanbench-supervisor it runs under, if any, so that processes it
  // daemonised count too).
  void attach(pid_t pid);
  // Hooks for this run (arm() clears them).
  void set_hooks(ControlHooks hooks);
  int commands_served() const;
  std::optional<ClientReport> client_report() const;
  ClientMarks marks() const;
  // Requests refused because they did not come from the client, this run.
  int requests_refused() const;
  std::string url() const { return url_; }
  uint16_t port() const { return port_; }

  struct Net;  // the sockets (Boost.Beast), in control_server.cc

 private:
  friend class ControlSession;
  enum class Verdict { kAllow, kDeny, kWait };
  // Whether the peer of a connection to `local` may be answered; kWait
  // while the run is armed and its client not yet named.
  Verdict check(const std::string& local_ip, uint16_t local_port, const std::string& peer_ip,
                uint16_t peer_port, const std::string& what);
  std::string serve_control();
  void mark_loop_start();
  // Empty on success, else the reason for a 400.
  std::string take_result(const std::string& body);
  // Called with mu_ held, once the client is attached.
  ClientMark mark_now() const;

  std::unique_ptr<Net> net_;
  std::thread thread_;
  mutable std::mutex mu_;
  bool armed_ = false;
  pid_t client_pid_ = -1;
  pid_t tree_root_ = -1;
  std::string armed_json_;
  int served_ = 0;
  int refused_ = 0;
  std::optional<ClientReport> report_;
  ClientMarks marks_;
  ControlHooks hooks_;
  uint16_t port_;
  std::string url_;
};

}  // namespace spanbench
