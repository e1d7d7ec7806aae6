#include "controller/control_server.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/log.h"
#include "process/proc_stat.h"

namespace spanbench {

ControlServer::ControlServer(uint16_t port, const std::string& host)
    : server_(std::make_unique<httplib::Server>()), port_(port) {
  // One client talks to us at a time; two workers are plenty.
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  // httplib's default sets SO_REUSEPORT, which would let a second spanbench
  // share this port silently; keep only SO_REUSEADDR (quick rebinding).
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Get("/control", [this](const httplib::Request&, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu_);
    if (served_ == 0 && !armed_json_.empty()) {
      marks_.command = mark_now(lock);
      res.set_content(armed_json_, "application/json");
      log().debug("control: served {}", armed_json_);
    } else {
      res.set_content(exit_command_json(), "application/json");
      log().debug("control: served Exit");
    }
    ++served_;
  });
  server_->Post("/loop_start", [this](const httplib::Request&, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu_);
    if (served_ > 0 && !marks_.loop_start) marks_.loop_start = mark_now(lock);
    res.set_content("{}", "application/json");
  });
  server_->Post("/result", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      auto r = client_report_from_json(req.body);
      std::unique_lock<std::mutex> lock(mu_);
      if (!report_) marks_.result = mark_now(lock);
      report_ = r;
      res.set_content("{}", "application/json");
    } catch (const Error& e) {
      res.status = 400;
      res.set_content(std::string(e.what()) + "\n", "text/plain");
    }
  });
  if (!server_->bind_to_port(host, port)) {
    throw Error("cannot listen on " + host + ":" + std::to_string(port) +
                " for the control server (port in use?): stop what uses it or pass "
                "--control-port with a free port");
  }
  url_ = "http://" + host + ":" + std::to_string(port) + "/control";
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs, so a server
  // destroyed right after construction would never stop: wait for it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

ControlServer::~ControlServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void ControlServer::arm(const ControlCommand& command) {
  std::lock_guard<std::mutex> lock(mu_);
  armed_json_ = to_json(command).dump();
  served_ = 0;
  client_pid_ = -1;
  report_.reset();
  marks_ = {};
}

void ControlServer::attach(pid_t pid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    client_pid_ = pid;
  }
  attached_.notify_all();
}

ClientMark ControlServer::mark_now(std::unique_lock<std::mutex>& lock) {
  // A client can ask before spawn() has returned its pid to the controller.
  attached_.wait_for(lock, std::chrono::seconds(2), [this] { return client_pid_ > 0; });
  ClientMark m;
  m.at = std::chrono::steady_clock::now();
  if (client_pid_ > 0) m.cpu_ns = process_cpu_ns(client_pid_);
  return m;
}

ClientMarks ControlServer::marks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return marks_;
}

int ControlServer::commands_served() const {
  std::lock_guard<std::mutex> lock(mu_);
  return served_;
}

std::optional<ClientReport> ControlServer::client_report() const {
  std::lock_guard<std::mutex> lock(mu_);
  return report_;
}

}  // namespace spanbench
