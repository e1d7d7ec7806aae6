#include "controller/control_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_io.h"
#include "core/log.h"
#include "process/proc_stat.h"
#include "process/process_tree.h"
#include "process/socket_owner.h"

namespace spanbench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// A request (head and body) must arrive within this, and its answer leave
// within it again: a client asks once and has its answer in microseconds.
constexpr auto kRequestDeadline = std::chrono::seconds(2);
constexpr uint32_t kHeaderLimitBytes = 8 * 1024;
constexpr uint64_t kBodyLimitBytes = 64 * 1024;
// Connections open at once; more are closed on arrival, with a log line.
constexpr int kMaxConnections = 256;
// Refusals logged per run; the rest are only counted.
constexpr int kRefusalsLogged = 10;

}  // namespace

struct ControlServer::Net {
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  int open = 0;  // connections; touched on the io thread only
  bool full_logged = false;
};

// One connection: read one request, answer it, close.
class ControlSession : public std::enable_shared_from_this<ControlSession> {
 public:
  ControlSession(ControlServer& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)), timer_(stream_.get_executor()) {
    ++server_.net_->open;
  }
  ~ControlSession() { --server_.net_->open; }

  void start() {
    parser_.header_limit(kHeaderLimitBytes);
    parser_.body_limit(kBodyLimitBytes);
    deadline_ = std::chrono::steady_clock::now() + kRequestDeadline;
    stream_.expires_at(deadline_);
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec == http::error::header_limit || ec == http::error::body_limit) {
                         self->respond(http::status::payload_too_large, "request too large\n");
                       } else if (!ec) {
                         self->authorize();
                       }
                     });
  }

 private:
  void authorize() {
    const auto& req = parser_.get();
    std::string what = std::string(req.method_string()) + " " + std::string(req.target());
    beast::error_code ec;
    auto local = stream_.socket().local_endpoint(ec);
    auto peer = stream_.socket().remote_endpoint(ec);
    if (ec) return;
    auto verdict = server_.check(local.address().to_string(), local.port(),
                                 peer.address().to_string(), peer.port(), what);
    if (verdict == ControlServer::Verdict::kWait) {
      if (std::chrono::steady_clock::now() >= deadline_) {
        respond(http::status::service_unavailable, "no run is waiting for a client\n");
        return;
      }
      // The run is armed but its client not named yet (it is being
      // started): look again shortly, without holding up other connections.
      timer_.expires_after(std::chrono::milliseconds(1));
      timer_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e) self->authorize();
      });
      return;
    }
    if (verdict == ControlServer::Verdict::kDeny) {
      respond(http::status::forbidden,
              "only the client spanbench started for this run may use this endpoint\n");
      return;
    }
    handle();
  }

  void handle() {
    const auto& req = parser_.get();
    if (req.method() == http::verb::get && req.target() == "/control") {
      respond(http::status::ok, server_.serve_control(), "application/json");
    } else if (req.method() == http::verb::post && req.target() == "/loop_start") {
      server_.mark_loop_start();
      respond(http::status::ok, "{}", "application/json");
    } else if (req.method() == http::verb::post && req.target() == "/result") {
      std::string error = server_.take_result(req.body());
      if (error.empty()) {
        respond(http::status::ok, "{}", "application/json");
      } else {
        respond(http::status::bad_request, error + "\n");
      }
    } else {
      respond(http::status::not_found,
              "not found: GET /control, POST /loop_start or POST /result\n");
    }
  }

  void respond(http::status status, std::string body,
               const std::string& content_type = "text/plain") {
    res_.version(11);
    res_.result(status);
    res_.set(http::field::content_type, content_type);
    res_.keep_alive(false);
    res_.body() = std::move(body);
    res_.prepare_payload();
    stream_.expires_after(kRequestDeadline);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  ControlServer& server_;
  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> res_;
  std::chrono::steady_clock::time_point deadline_;
};

namespace {

void accept_loop(ControlServer& server, ControlServer::Net& n) {
  n.acceptor.async_accept([&server, &n](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;  // shutting down
    if (!ec) {
      if (n.open >= kMaxConnections) {
        if (!n.full_logged) {
          log().warn("control: {} connections open; closing new ones until some end",
                     kMaxConnections);
          n.full_logged = true;
        }
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        n.full_logged = false;
        std::make_shared<ControlSession>(server, std::move(socket))->start();
      }
    }
    // Out of descriptors and the like: keep accepting, a little later.
    if (ec) {
      auto timer = std::make_shared<net::steady_timer>(n.ioc, std::chrono::milliseconds(50));
      timer->async_wait([&server, &n, timer](beast::error_code) { accept_loop(server, n); });
      return;
    }
    accept_loop(server, n);
  });
}

}  // namespace

ControlServer::ControlServer(uint16_t port, const std::string& host)
    : net_(std::make_unique<Net>()), port_(port) {
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) throw Error("control server: \"" + host + "\" is not an IP address");
  tcp::endpoint endpoint(address, port);
  auto& acceptor = net_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  // SO_REUSEADDR for quick rebinding; never SO_REUSEPORT, which would let a
  // second spanbench share this port silently.
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw Error("cannot listen on " + host + ":" + std::to_string(port) +
                " for the control server (port in use?): stop what uses it or pass "
                "--control-port with a free port");
  }
  url_ = "http://" + host + ":" + std::to_string(port) + "/control";
  accept_loop(*this, *net_);
  thread_ = std::thread([this] {
    while (true) {
      try {
        net_->ioc.run();
        return;
      } catch (const std::exception& e) {
        log().error("control: {}; still serving", e.what());
      }
    }
  });
}

ControlServer::~ControlServer() {
  // Open connections are dropped, not waited for.
  net_->ioc.stop();
  if (thread_.joinable()) thread_.join();
}

void ControlServer::arm(const ControlCommand& command) {
  std::lock_guard<std::mutex> lock(mu_);
  armed_json_ = to_json(command).dump();
  armed_ = true;
  client_pid_ = -1;
  tree_root_ = -1;
  served_ = 0;
  refused_ = 0;
  report_.reset();
  marks_ = {};
  hooks_ = {};
}

void ControlServer::set_hooks(ControlHooks hooks) {
  std::lock_guard<std::mutex> lock(mu_);
  hooks_ = std::move(hooks);
}

namespace {

// The spanbench-supervisor `pid` runs under, if any: every process the
// client starts descends from it, even one whose own parent has exited.
pid_t supervisor_of(pid_t pid) {
  const std::string stat = try_read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  auto ppid = parse_stat_ppid(stat);
  if (!ppid || *ppid <= 1) return -1;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(*ppid) + "/exe", ec);
  return !ec && exe.filename() == "spanbench-supervisor" ? *ppid : -1;
}

}  // namespace

void ControlServer::attach(pid_t pid) {
  pid_t supervisor = supervisor_of(pid);
  std::lock_guard<std::mutex> lock(mu_);
  client_pid_ = pid;
  tree_root_ = supervisor > 0 ? supervisor : pid;
}

ClientMark ControlServer::mark_now() const {
  ClientMark m;
  m.at = std::chrono::steady_clock::now();
  if (client_pid_ > 0) m.cpu_ns = process_cpu_ns(client_pid_);
  return m;
}

ClientMarks ControlServer::marks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return marks_;
}

ControlServer::Verdict ControlServer::check(const std::string& local_ip, uint16_t local_port,
                                            const std::string& peer_ip, uint16_t peer_port,
                                            const std::string& what) {
  pid_t root = -1, client = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!armed_) return Verdict::kAllow;  // nothing to take: every GET gets Exit
    if (client_pid_ <= 0) return Verdict::kWait;
    root = tree_root_;
    client = client_pid_;
  }
  auto local = TcpEndpoint::parse(local_ip, local_port);
  auto peer = TcpEndpoint::parse(peer_ip, peer_port);
  if (local && peer && peer_belongs_to_tree(*local, *peer, root)) return Verdict::kAllow;
  std::lock_guard<std::mutex> lock(mu_);
  ++refused_;
  if (refused_ <= kRefusalsLogged) {
    log().warn("control: refused {} from {}:{}: not a process of the client (pid {}){}", what,
               peer_ip, peer_port, client,
               refused_ == kRefusalsLogged ? "; further refusals this run are only counted" : "");
  }
  return Verdict::kDeny;
}

std::string ControlServer::serve_control() {
  std::string out;
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (served_ == 0 && !armed_json_.empty()) {
      marks_.command = mark_now();
      out = armed_json_;
      hook = hooks_.on_command;
      log().debug("control: served {}", armed_json_);
    } else {
      out = exit_command_json();
      log().debug("control: served Exit");
    }
    ++served_;
  }
  if (hook) hook();
  return out;
}

void ControlServer::mark_loop_start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (served_ > 0 && !marks_.loop_start) marks_.loop_start = mark_now();
}

std::string ControlServer::take_result(const std::string& body) {
  try {
    auto r = client_report_from_json(body);
    std::function<void()> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!report_) {
        marks_.result = mark_now();
        hook = hooks_.on_result;
      }
      report_ = r;
    }
    if (hook) hook();
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

int ControlServer::commands_served() const {
  std::lock_guard<std::mutex> lock(mu_);
  return served_;
}

int ControlServer::requests_refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

std::optional<ClientReport> ControlServer::client_report() const {
  std::lock_guard<std::mutex> lock(mu_);
  return report_;
}

}  // namespace spanbench
