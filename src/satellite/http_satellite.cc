#include "satellite/http_satellite.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "satellite/stats_json.h"

namespace spanbench::satellite {
namespace {

using Clock = std::chrono::steady_clock;

// Big reads: at a million spans a second a satellite takes in about a
// gigabyte a second, and httplib's own 4 KiB reads would cost a poll and a
// recv per 4 KiB.
constexpr size_t kReadBufferBytes = 256 * 1024;
// How long a closing connection keeps draining what the client still sends,
// so that it reads our 4xx instead of a reset.
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr size_t kLingerMaxBytes = 16 << 20;

int to_poll_ms(std::chrono::milliseconds ms) {
  return static_cast<int>(std::clamp<int64_t>(ms.count(), 0, 1 << 30));
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// A connected socket with a large read-ahead buffer, inactivity timeouts,
// and reads throttled by the group's bandwidth limiter.
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, std::chrono::milliseconds read_timeout,
               std::chrono::milliseconds write_timeout, BandwidthLimiter* limiter,
               Interrupter* interrupter)
      : fd_(fd),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout),
        limiter_(limiter),
        interrupter_(interrupter),
        buffer_(new char[kReadBufferBytes]) {}

  bool is_readable() const override { return pos_ < len_ || wait(POLLIN, read_timeout_); }
  bool is_writable() const override { return wait(POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == len_ && !fill()) return eof_ ? 0 : -1;
    const size_t n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buffer_.get() + pos_, n);
    pos_ += n;
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    size_t sent = 0;
    while (sent < size) {
      const ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait(POLLOUT, write_timeout_)) {
        continue;
      }
      return -1;
    }
    return static_cast<ssize_t>(sent);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    resolve_addresses();
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    resolve_addresses();
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return fd_; }

  bool has_buffered_data() const { return pos_ < len_; }
  bool timed_out() const { return timed_out_; }
  void clear_timed_out() { timed_out_ = false; }
  // Bytes handed to the parser so far; tells whether a request had begun.
  uint64_t consumed() const { return consumed_; }

 private:
  bool wait(short events, std::chrono::milliseconds timeout) const {
    pollfd p{fd_, events, 0};
    while (true) {
      const int r = ::poll(&p, 1, to_poll_ms(timeout));
      if (r < 0 && errno == EINTR) continue;
      return r > 0;
    }
  }

  // Refills the buffer; false on EOF, error or timeout.
  bool fill() {
    pos_ = len_ = 0;
    const size_t want = limiter_->chunk_bytes(kReadBufferBytes);
    while (true) {
      // Try first, poll only when there is nothing yet: under load the data
      // is usually already there and the poll would be a wasted call.
      const ssize_t n = ::recv(fd_, buffer_.get(), want, MSG_DONTWAIT);
      if (n > 0) {
        len_ = static_cast<size_t>(n);
        break;
      }
      if (n == 0) {
        eof_ = true;
        return false;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, to_poll_ms(read_timeout_));
      if (r == 0) {
        timed_out_ = true;
        return false;
      }
      if (r < 0 && errno != EINTR) return false;
    }
    if (limiter_->limited()) {
      if (!interrupter_->sleep_for(limiter_->reserve(len_))) {
        len_ = 0;
        return false;
      }
    }
    return true;
  }

  void resolve_addresses() const {
    if (resolved_) return;
    resolved_ = true;
    auto describe = [](const sockaddr_storage& addr, std::string& ip, int& port) {
      char text[INET6_ADDRSTRLEN] = {};
      if (addr.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
      } else if (addr.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
      }
      ip = text;
    };
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      describe(addr, remote_ip_, remote_port_);
    }
    len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      describe(addr, local_ip_, local_port_);
    }
  }

  int fd_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  BandwidthLimiter* limiter_;
  Interrupter* interrupter_;
  std::unique_ptr<char[]> buffer_;
  size_t pos_ = 0;
  size_t len_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
  bool timed_out_ = false;
  mutable bool resolved_ = false;
  mutable std::string remote_ip_, local_ip_;
  mutable int remote_port_ = -1, local_port_ = -1;
};

// Per-connection state the handlers reach through a thread_local: httplib
// handlers see only the request, and each connection runs on its own thread.
struct Connection {
  SocketStream* stream = nullptr;
  std::string content_encoding;  // taken off the request; we gunzip ourselves
  bool unsupported_transfer_encoding = false;
  bool close_after_response = false;
};
thread_local Connection* t_connection = nullptr;

// One thread per connection: connections are few and long-lived (tracers
// keep them alive), and a blocked or throttled one must not hold up others
// the way a fixed pool would.
class ThreadPerConnection final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mutex_);
    reap();
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back(Worker{std::thread([fn = std::move(fn), done] {
                                fn();
                                done->store(true);
                              }),
                              done});
  }
  void shutdown() override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Worker& w : workers_) w.thread.join();
    workers_.clear();
  }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void reap() {
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::mutex mutex_;
  std::list<Worker> workers_;
};

const char* status_text(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

// What a path (and method, and content type) asks for.
struct Route {
  enum class Kind {
    kReport,
    kAcknowledge,  // tracer side-channels (telemetry, remote config): 200, not counted
    kAgentInfo,    // Datadog agent discovery
    kSpansReceived,
    kStats,
    kReset,
    kNotFound,
    kWrongMethod,
  };
  Kind kind = Kind::kNotFound;
  Protocol protocol = Protocol::kOther;
  const char* allowed = "";  // for kWrongMethod
};

Route route_for(HttpSatellite::Role role, const httplib::Request& req) {
  const std::string& m = req.method;
  const std::string& p = req.path;
  const bool get = m == "GET" || m == "HEAD";
  const bool post = m == "POST";
  auto only = [&](bool ok, Route::Kind kind, Protocol protocol, const char* allowed) {
    Route r;
    r.kind = ok ? kind : Route::Kind::kWrongMethod;
    r.protocol = protocol;
    r.allowed = allowed;
    return r;
  };
  if (p == "/spans_received")
    return only(get, Route::Kind::kSpansReceived, Protocol::kOther, "GET");
  if (p == "/stats") return only(get, Route::Kind::kStats, Protocol::kOther, "GET");
  if (p == "/reset") return only(post, Route::Kind::kReset, Protocol::kOther, "POST");
  if (role == HttpSatellite::Role::kAdmin) return Route{};

  if (p == "/api/v2/reports")
    return only(post, Route::Kind::kReport, Protocol::kLightstepProto, "POST");
  if (p == "/api/v0/reports")
    return only(post, Route::Kind::kReport, Protocol::kLightstepJson, "POST");
  if (p == "/v1/traces") return only(post, Route::Kind::kReport, Protocol::kOtlpProto, "POST");
  if (p == "/api/v2/spans") return only(post, Route::Kind::kReport, Protocol::kZipkinJson, "POST");
  if (p == "/v0.4/traces") {
    return only(post || m == "PUT", Route::Kind::kReport, Protocol::kDatadogV04, "PUT, POST");
  }
  if (p == "/v0.5/traces") {
    return only(post || m == "PUT", Route::Kind::kReport, Protocol::kDatadogV05, "PUT, POST");
  }
  if (p == "/api/traces") return only(post, Route::Kind::kReport, Protocol::kJaegerThrift, "POST");
  if (p == "/info") return only(get, Route::Kind::kAgentInfo, Protocol::kOther, "GET");
  if (p == "/v0.7/config" || p == "/dogstatsd/v2/proxy" || p.rfind("/telemetry/proxy/", 0) == 0) {
    return Route{Route::Kind::kAcknowledge, Protocol::kOther, ""};
  }
  return Route{};
}

}  // namespace

class HttpSatellite::Server final : public httplib::Server {
 public:
  Server(Role role, const SatelliteOptions& options, ReportIngestor& ingestor,
         BandwidthLimiter& limiter)
      : role_(role), options_(options), ingestor_(ingestor), limiter_(limiter) {
    new_task_queue = [] { return new ThreadPerConnection(); };
    set_socket_options([](socket_t sock) {
      // SO_REUSEADDR lets start() rebind right after shutdown(); httplib's
      // default SO_REUSEPORT would also let a second group bind the same
      // port silently, hiding a clash.
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    set_tcp_nodelay(true);
    set_keep_alive_max_count(size_t{1} << 30);
    set_keep_alive_timeout(options.idle_timeout.count());
    set_payload_max_length(options.max_body_bytes);
    set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
      return on_expect(req, res);
    });
    set_error_handler(
        HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
          return on_error(req, res);
        }));

    auto body_handler = [this](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& reader) { on_body(req, res, reader); };
    Post(".*", body_handler);
    Put(".*", body_handler);
    Patch(".*", body_handler);
    Delete(".*", body_handler);
    Get(".*", [this](const httplib::Request& req, httplib::Response& res) { on_get(req, res); });
  }

  // httplib's listen() backlog is 5; a burst of tracer connections would
  // overflow it and wait out a 1 s SYN retry. listen() again raises it.
  void raise_backlog() {
    const socket_t sock = svr_sock_;
    if (sock != INVALID_SOCKET) ::listen(sock, 1024);
  }

  void close_connections() {
    std::lock_guard<std::mutex> lock(live_mutex_);
    closing_ = true;
    for (int fd : live_) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    {
      std::lock_guard<std::mutex> lock(live_mutex_);
      if (closing_) {
        ::close(sock);
        return false;
      }
      live_.insert(sock);
    }
    // Deliberate delays are micro- to milliseconds; the default 50 us timer
    // slack would dwarf the per-span ones.
    ::prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    int yes = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);

    Connection connection;
    bool ok = false;
    try {
      ok = serve(sock, connection);
    } catch (...) {
      // Nothing a client sends may take the server down; drop this one.
      ok = false;
    }
    t_connection = nullptr;

    // Still tracked while lingering, so a shutdown cuts the linger short.
    if (connection.close_after_response) linger_close(sock);
    {
      std::lock_guard<std::mutex> lock(live_mutex_);
      live_.erase(sock);
    }
    ::close(sock);
    return ok;
  }

  bool serve(int sock, Connection& connection) {
    SocketStream stream(sock, options_.read_timeout, options_.read_timeout, &limiter_,
                        &ingestor_.interrupter());
    connection.stream = &stream;
    t_connection = &connection;
    const auto setup = [](httplib::Request& req) { setup_request(req); };

    bool ok = true;
    while (true) {
      if (!stream.has_buffered_data()) {
        pollfd p{sock, POLLIN, 0};
        const int r = ::poll(&p, 1, to_poll_ms(options_.idle_timeout));
        if (r <= 0) break;  // idle too long, or error
      }
      stream.clear_timed_out();
      const uint64_t before = stream.consumed();
      bool connection_closed = false;
      ok = process_request(stream, false, connection_closed, setup);
      if (!ok) {
        // httplib gives up silently when the request line never completes;
        // a sender that started one and stalled still gets its 408.
        if (stream.timed_out() && stream.consumed() > before) {
          write_plain_error(stream, 408, "request line not received within read timeout");
          count_rejected(Protocol::kOther);
          connection.close_after_response = true;
        }
        break;
      }
      if (connection_closed || connection.close_after_response) break;
    }
    connection.stream = nullptr;
    return ok;
  }

  static void setup_request(httplib::Request& req) {
    Connection& c = *t_connection;
    c.content_encoding.clear();
    c.unsupported_transfer_encoding = false;
    // We take Content-Encoding off the request so httplib hands us the body
    // as sent: we gunzip it with a size limit (httplib's inflating has none)
    // and count the bytes that crossed the wire.
    auto it = req.headers.find("Content-Encoding");
    if (it != req.headers.end()) {
      c.content_encoding = lowercase(it->second);
      req.headers.erase("Content-Encoding");
    }
    auto te = req.headers.find("Transfer-Encoding");
    if (te != req.headers.end()) {
      c.unsupported_transfer_encoding = lowercase(te->second) != "chunked";
    } else if (!req.has_header("Content-Length")) {
      // HTTP/1.1: a request with neither header has no body. httplib would
      // otherwise read until the client closes.
      req.set_header("Content-Length", "0");
    }
  }

  bool counts_rejections() const { return role_ == Role::kSatellite; }
  void count_rejected(Protocol protocol) {
    if (counts_rejections()) ingestor_.count_rejected(protocol);
  }

  void reject(httplib::Response& res, int status, const std::string& reason, Protocol protocol,
              bool close) {
    res.status = status;
    res.set_content(reason + "\n", "text/plain");
    count_rejected(protocol);
    if (close) {
      t_connection->close_after_response = true;
      res.set_header("Connection", "close");
    }
  }

  static void write_plain_error(SocketStream& stream, int status, const std::string& reason) {
    const std::string body = reason + "\n";
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) +
                       "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n";
    stream.write(head.data(), head.size());
    stream.write(body.data(), body.size());
  }

  static void linger_close(int sock) {
    ::shutdown(sock, SHUT_WR);
    const auto deadline = Clock::now() + kLingerTime;
    char sink[16384];
    size_t drained = 0;
    while (drained < kLingerMaxBytes) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      pollfd p{sock, POLLIN, 0};
      if (::poll(&p, 1, to_poll_ms(left)) <= 0) break;
      const ssize_t n = ::recv(sock, sink, sizeof sink, 0);
      if (n <= 0) break;
      drained += static_cast<size_t>(n);
    }
  }

  std::optional<uint64_t> declared_length(const httplib::Request& req) const {
    auto it = req.headers.find("Content-Length");
    if (it == req.headers.end()) return std::nullopt;
    uint64_t value = 0;
    const std::string& s = it->second;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return value;
  }

  std::string too_large_reason(uint64_t bytes) const {
    return "body of " + std::to_string(bytes) + " bytes exceeds the limit of " +
           std::to_string(options_.max_body_bytes) + " bytes (--max-body-bytes)";
  }

  int on_expect(const httplib::Request& req, httplib::Response& res) {
    // Refuse an oversized body before the client sends it.
    const auto length = declared_length(req);
    if (length && *length > options_.max_body_bytes) {
      reject(res, 413, too_large_reason(*length), route_for(role_, req).protocol, true);
      // httplib writes this answer on its short path, which adds no length.
      res.set_header("Content-Length", std::to_string(res.body.size()));
      return 413;
    }
    return 100;
  }

  HandlerResponse on_error(const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return HandlerResponse::Unhandled;  // ours, already explained
    if (res.status == 404) {
      // A method we register no handler for (OPTIONS, ...): the request was
      // well-formed, so the connection can stay.
      res.set_content("no such endpoint: " + req.method + " " + req.path + "\n", "text/plain");
      count_rejected(Protocol::kOther);
      return HandlerResponse::Handled;
    }
    // httplib's own refusals: broken request line or headers, URI too long.
    // The stream position is then unknown, so the connection must go.
    Connection* c = t_connection;
    if (c != nullptr && c->stream != nullptr && c->stream->timed_out()) {
      res.status = 408;
      res.set_content("request headers not received within read timeout\n", "text/plain");
    } else {
      res.set_content(
          std::to_string(res.status) + " " + status_text(res.status) + ": malformed HTTP request\n",
          "text/plain");
    }
    count_rejected(Protocol::kOther);
    if (c != nullptr) c->close_after_response = true;
    res.set_header("Connection", "close");
    return HandlerResponse::Handled;
  }

  void on_get(const httplib::Request& req, httplib::Response& res) {
    // httplib does not read a GET's body; what follows on the connection is
    // then not a request, so close after answering.
    if (declared_length(req).value_or(0) > 0 || req.has_header("Transfer-Encoding")) {
      t_connection->close_after_response = true;
    }
    const Route route = route_for(role_, req);
    answer_without_body(route, req, res);
  }

  // Routes that take no report body.
  void answer_without_body(const Route& route, const httplib::Request& req,
                           httplib::Response& res) {
    switch (route.kind) {
      case Route::Kind::kSpansReceived:
        res.set_content(std::to_string(ingestor_.counter().counts().spans_received), "text/plain");
        return;
      case Route::Kind::kStats:
        res.set_content(stats_to_json(ingestor_.counter().stats()).dump(), "application/json");
        return;
      case Route::Kind::kReset:
        ingestor_.counter().reset();
        res.set_content("ok\n", "text/plain");
        return;
      case Route::Kind::kAgentInfo:
        // Datadog tracers probe the agent for its endpoints; list only what
        // we serve so they do not start remote-config polling.
        res.set_content(
            R"({"version":"spanbench-satellite","endpoints":["/v0.4/traces","/v0.5/traces","/telemetry/proxy/"],"client_drop_p0s":false})",
            "application/json");
        return;
      case Route::Kind::kAcknowledge:
        res.set_content("{}", "application/json");
        return;
      case Route::Kind::kWrongMethod:
        reject(res, 405, req.method + " " + req.path + " is not served; use " + route.allowed,
               route.protocol, false);
        res.set_header("Allow", route.allowed);
        return;
      case Route::Kind::kNotFound:
        reject(res, 404, "no such endpoint: " + req.method + " " + req.path, Protocol::kOther,
               false);
        return;
      case Route::Kind::kReport:
        break;
    }
  }

  void on_body(const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& reader) {
    Connection& c = *t_connection;
    Route route = route_for(role_, req);
    if (c.unsupported_transfer_encoding) {
      reject(res, 400,
             "unsupported Transfer-Encoding '" + req.get_header_value("Transfer-Encoding") +
                 "' (use chunked or Content-Length)",
             route.protocol, true);
      return;
    }
    const auto length = declared_length(req);
    if (!length && req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      reject(res, 400, "invalid Content-Length '" + req.get_header_value("Content-Length") + "'",
             route.protocol, true);
      return;
    }
    if (length && *length > options_.max_body_bytes) {
      reject(res, 413, too_large_reason(*length), route.protocol, true);
      return;
    }

    // Reused per connection thread, keeping its capacity between reports.
    thread_local std::string body;
    body.clear();
    if (length) body.reserve(*length);
    bool too_large = false;
    const bool read_ok = reader([&](const char* data, size_t n) {
      if (body.size() + n > options_.max_body_bytes) {
        too_large = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (!read_ok) {
      if (ingestor_.interrupter().interrupted()) {
        res.status = 503;
        res.set_content("satellite shutting down\n", "text/plain");
        c.close_after_response = true;
      } else if (too_large) {
        reject(res, 413, too_large_reason(body.size()) + " at least", route.protocol, true);
      } else if (c.stream->timed_out()) {
        reject(res, 408,
               "body not received within read timeout (" +
                   std::to_string(options_.read_timeout.count()) + " ms), got " +
                   std::to_string(body.size()) + " bytes",
               route.protocol, true);
      } else {
        reject(res, 400, "truncated body or broken chunked encoding", route.protocol, true);
      }
      return;
    }
    if (route.kind != Route::Kind::kReport) {
      answer_without_body(route, req, res);
      return;
    }
    ingest(route.protocol, req, res, body);
  }

  void ingest(Protocol protocol, const httplib::Request& req, httplib::Response& res,
              std::string& body) {
    Connection& c = *t_connection;
    const std::string content_type = lowercase(req.get_header_value("Content-Type"));
    if (protocol == Protocol::kOtlpProto) {
      if (starts_with_ci(content_type, "application/json")) {
        protocol = Protocol::kOtlpJson;
      } else if (!content_type.empty() && !starts_with_ci(content_type, "application/x-protobuf") &&
                 !starts_with_ci(content_type, "application/protobuf") &&
                 !starts_with_ci(content_type, "application/octet-stream")) {
        reject(res, 415,
               "unsupported Content-Type '" + content_type +
                   "' for /v1/traces (use application/x-protobuf or application/json)",
               protocol, false);
        return;
      }
    } else if (protocol == Protocol::kZipkinJson && !content_type.empty() &&
               !starts_with_ci(content_type, "application/json") &&
               !starts_with_ci(content_type, "text/plain")) {
      reject(res, 415,
             "unsupported Content-Type '" + content_type +
                 "' for /api/v2/spans (only Zipkin v2 JSON is served)",
             protocol, false);
      return;
    }

    const uint64_t wire_bytes = body.size();
    std::string_view payload = body;
    thread_local std::string inflated;
    if (!c.content_encoding.empty() && c.content_encoding != "identity") {
      if (c.content_encoding != "gzip" && c.content_encoding != "x-gzip" &&
          c.content_encoding != "deflate") {
        reject(res, 415,
               "unsupported Content-Encoding '" + c.content_encoding + "' (use gzip or none)",
               protocol, false);
        return;
      }
      inflated.clear();
      const DecodeStatus status = gunzip(body, inflated, options_.max_body_bytes);
      if (!status.ok) {
        reject(res, 400, status.error.empty() ? std::string("bad gzip body") : status.error,
               protocol, false);
        return;
      }
      payload = inflated;
    }

    const IngestResult result = ingestor_.ingest(protocol, payload, wire_bytes);
    switch (result.outcome) {
      case IngestOutcome::kAccepted:
        answer_accepted(protocol, res);
        return;
      case IngestOutcome::kRejected:
        res.status = 400;
        res.set_content(result.reason + "\n", "text/plain");
        return;
      case IngestOutcome::kFailedByMode:
        res.status = 500;
        res.set_content("satellite mode slow_fail refuses every report\n", "text/plain");
        return;
      case IngestOutcome::kFailedInjected:
        res.status = 503;
        res.set_content("injected failure (--error-rate); retry\n", "text/plain");
        return;
      case IngestOutcome::kInterrupted:
        res.status = 503;
        res.set_content("satellite shutting down\n", "text/plain");
        c.close_after_response = true;
        return;
    }
  }

  static void answer_accepted(Protocol protocol, httplib::Response& res) {
    switch (protocol) {
      case Protocol::kLightstepProto:
        // An empty body is an empty ReportResponse.
        res.set_content("", "application/octet-stream");
        return;
      case Protocol::kOtlpProto:
        res.set_content("", "application/x-protobuf");
        return;
      case Protocol::kLightstepJson:
      case Protocol::kOtlpJson:
        res.set_content("{}", "application/json");
        return;
      case Protocol::kZipkinJson:
      case Protocol::kJaegerThrift:
        res.status = 202;
        return;
      case Protocol::kDatadogV04:
      case Protocol::kDatadogV05:
        res.set_content(R"({"rate_by_service":{}})", "application/json");
        return;
      case Protocol::kOtlpGrpc:
      case Protocol::kJaegerAgent:
      case Protocol::kOther:
        return;
    }
  }

  Role role_;
  const SatelliteOptions& options_;
  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;

  std::mutex live_mutex_;
  std::unordered_set<int> live_;
  bool closing_ = false;
};

HttpSatellite::HttpSatellite(Role role, const SatelliteOptions& options, uint16_t port,
                             ReportIngestor& ingestor, BandwidthLimiter& limiter)
    : role_(role), options_(options), port_(port), ingestor_(ingestor), limiter_(limiter) {}

HttpSatellite::~HttpSatellite() { stop(); }

void HttpSatellite::start() {
  if (server_) return;
  auto server = std::make_unique<Server>(role_, options_, ingestor_, limiter_);
  if (!server->bind_to_port(options_.host, port_)) {
    const int err = errno;
    const auto kind =
        role_ == Role::kAdmin ? PortInUseError::Kind::kAdmin : PortInUseError::Kind::kSatellite;
    throw PortInUseError(kind, port_,
                         "cannot listen on " + options_.host + ":" + std::to_string(port_) +
                             " (TCP): " + (err != 0 ? std::strerror(err) : "bind failed"));
  }
  server->raise_backlog();
  auto done = std::make_shared<std::atomic<bool>>(false);
  Server* raw = server.get();
  listen_thread_ = std::thread([raw, done] {
    raw->listen_after_bind();
    done->store(true);
  });
  // stop() only works once httplib marks itself running.
  while (!raw->is_running() && !done->load()) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  server_ = std::move(server);
}

void HttpSatellite::stop() {
  if (!server_) return;
  // Cut live keep-alive connections (and refuse any accepted from now on)
  // so their threads end now rather than at the idle timeout; then close
  // the listener, whose accept loop ends by joining those threads.
  server_->close_connections();
  server_->stop();
  if (listen_thread_.joinable()) listen_thread_.join();
  server_.reset();
}

}  // namespace spanbench::satellite
