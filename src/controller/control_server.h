#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/command.h"

namespace httplib {
class Server;
}

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

// The HTTP endpoint clients ask what to do (docs/protocol.md). It serves the armed
// command once per run and {"Exit": true} to every later GET of that run,
// and takes the optional POST /loop_start and POST /result, marking each
// with the client's CPU clock so that the loop can be measured apart from
// start-up and flush.
class ControlServer {
 public:
  // Binds host:port; throws spanbench::Error when it cannot (port in use).
  explicit ControlServer(uint16_t port, const std::string& host = "127.0.0.1");
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Sets the command for the next run and forgets the previous run's state.
  void arm(const ControlCommand& command);
  // The process whose CPU clock the marks read: the run's client, known
  // once it is spawned. Requests that arrive first wait for it briefly.
  void attach(pid_t pid);
  int commands_served() const;
  std::optional<ClientReport> client_report() const;
  ClientMarks marks() const;
  std::string url() const { return url_; }
  uint16_t port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  // Called with mu_ held; waits (bounded) for attach().
  ClientMark mark_now(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mu_;
  std::condition_variable attached_;
  std::string armed_json_;
  int served_ = 0;
  pid_t client_pid_ = -1;
  std::optional<ClientReport> report_;
  ClientMarks marks_;
  uint16_t port_;
  std::string url_;
};

}  // namespace spanbench
