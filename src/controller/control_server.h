#pragma once

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

// The HTTP endpoint clients ask what to do (docs/protocol.md). It serves the armed
// command once per run and {"Exit": true} to every later GET of that run,
// and takes the optional POST /result.
class ControlServer {
 public:
  // Binds host:port; throws spanbench::Error when it cannot (port in use).
  explicit ControlServer(uint16_t port, const std::string& host = "127.0.0.1");
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Sets the command for the next run and forgets the previous run's state.
  void arm(const ControlCommand& command);
  int commands_served() const;
  std::optional<ClientReport> client_report() const;
  std::string url() const { return url_; }
  uint16_t port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::string armed_json_;
  int served_ = 0;
  std::optional<ClientReport> report_;
  uint16_t port_;
  std::string url_;
};

}  // namespace spanbench
