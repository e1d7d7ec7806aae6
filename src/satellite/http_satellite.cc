#include "satellite/http_satellite.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "satellite/http_head.h"
#include "satellite/protocol.h"
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
// Connection threads need little stack (the decoders do not recurse
// deeply; bodies live on the heap). A small stack lets far more threads fit
// under an address-space limit.
constexpr size_t kConnectionStackBytes = 1 << 20;
// A body buffer larger than this is given back after its request, so idle
// connections do not each keep up to --max-body-bytes; tracers' usual
// reports (up to a few MB) keep reusing theirs.
constexpr size_t kKeptBufferBytes = 4 << 20;

int to_poll_ms(std::chrono::milliseconds ms) {
  return static_cast<int>(std::clamp<int64_t>(ms.count(), 0, 1 << 30));
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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
    if (consumed_ >= read_limit_) return 0;
    if (pos_ == len_ && !fill()) return eof_ ? 0 : -1;
    const size_t n = std::min({size, len_ - pos_, static_cast<size_t>(read_limit_ - consumed_)});
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
  // The bytes received and not yet handed to the parser.
  std::string_view buffered() const { return {buffer_.get() + pos_, len_ - pos_}; }
  // Reads past `limit` bytes consumed in total look like end of stream:
  // the parser sees only the request head that was checked.
  void set_read_limit(uint64_t limit) { read_limit_ = limit; }
  void clear_read_limit() { read_limit_ = UINT64_MAX; }

  enum class More { kData, kEof, kTimeout, kError };
  // Appends what arrives within `timeout` to the buffered bytes (moving
  // them to the front of the buffer when it is full).
  More read_more(std::chrono::milliseconds timeout) {
    if (pos_ == len_) {
      pos_ = len_ = 0;  // nothing buffered: read into the whole buffer
    } else if (len_ == kReadBufferBytes) {
      std::memmove(buffer_.get(), buffer_.get() + pos_, len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
    }
    const size_t want = limiter_->chunk_bytes(kReadBufferBytes - len_);
    while (true) {
      const ssize_t n = ::recv(fd_, buffer_.get() + len_, want, MSG_DONTWAIT);
      if (n > 0) {
        len_ += static_cast<size_t>(n);
        if (limiter_->limited() &&
            !interrupter_->sleep_for(limiter_->reserve(static_cast<size_t>(n)))) {
          return More::kError;
        }
        return More::kData;
      }
      if (n == 0) {
        eof_ = true;
        return More::kEof;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return More::kError;
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, to_poll_ms(timeout));
      if (r == 0) {
        timed_out_ = true;
        return More::kTimeout;
      }
      if (r < 0 && errno != EINTR) return More::kError;
    }
  }
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
  uint64_t read_limit_ = UINT64_MAX;
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
thread_local std::string t_body;      // the request body as received
thread_local std::string t_inflated;  // the body after gunzip
// What this connection thread has taken from the group's MemoryBudget for
// the capacity of t_body and t_inflated.
thread_local uint64_t t_held = 0;

// Counts a server's connection threads so stop() can wait for the last.
// Shared with the threads, which touch it after the server may be gone.
struct WorkerCount {
  std::mutex mutex;
  std::condition_variable idle;
  size_t running = 0;

  void add() {
    std::lock_guard<std::mutex> lock(mutex);
    ++running;
  }
  void done() {
    std::lock_guard<std::mutex> lock(mutex);
    if (--running == 0) idle.notify_all();
  }
  void wait_all() {
    std::unique_lock<std::mutex> lock(mutex);
    idle.wait(lock, [this] { return running == 0; });
  }
};

// Answers connections we will not serve (503) and closes them, on a
// thread of its own so the accept loop never waits: what the client sends
// is drained for a short while first, so the close does not turn into a
// reset that hides the answer. At most kMaxRefusing connections linger;
// beyond that they are answered and closed at once.
class Refuser {
 public:
  ~Refuser() { stop(); }

  void refuse(int fd, const std::string& reason) noexcept {
    try {
      refuse_or_throw(fd, reason);
    } catch (...) {
      ::close(fd);  // out of memory: no answer, but no leak either
    }
  }

 private:
  void refuse_or_throw(int fd, const std::string& reason) {
    const int flags = ::fcntl(fd, F_GETFL, 0);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    drain(fd);
    const std::string body = reason + "\n";
    const std::string response =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: "
        "close\r\nRetry-After: 1\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    std::unique_lock<std::mutex> lock(mutex_);
    if (!started_ && !stopping_) {
      started_ = true;
      try {
        thread_ = std::thread([this] { run(); });
      } catch (const std::system_error&) {
        started_ = false;
      }
    }
    if (!started_ || stopping_ || pending_.size() + lingering_ >= kMaxRefusing) {
      lock.unlock();
      drain(fd);
      ::close(fd);
      return;
    }
    pending_.push_back(fd);
    cv_.notify_one();
  }

 public:
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    for (int fd : pending_) ::close(fd);
    pending_.clear();
  }

 private:
  static constexpr size_t kMaxRefusing = 64;
  static constexpr auto kLinger = std::chrono::milliseconds(300);

  static bool drain(int fd) {
    char sink[16384];
    for (int i = 0; i < 64; ++i) {
      const ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
      if (n == 0) return false;  // the client closed
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
    return true;
  }

  void run() {
    struct Lingering {
      int fd;
      Clock::time_point until;
    };
    std::vector<Lingering> lingering;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (lingering.empty()) {
          cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
        }
        if (stopping_) break;
        for (int fd : pending_) lingering.push_back({fd, Clock::now() + kLinger});
        pending_.clear();
        lingering_ = lingering.size();
      }
      std::vector<pollfd> fds;
      for (const Lingering& l : lingering) fds.push_back({l.fd, POLLIN, 0});
      ::poll(fds.data(), fds.size(), 20);
      const auto now = Clock::now();
      for (size_t i = lingering.size(); i-- > 0;) {
        const bool open = fds[i].revents == 0 || drain(lingering[i].fd);
        if (!open || now >= lingering[i].until) {
          ::close(lingering[i].fd);
          lingering.erase(lingering.begin() + static_cast<ptrdiff_t>(i));
        }
      }
      std::lock_guard<std::mutex> lock(mutex_);
      lingering_ = lingering.size();
    }
    for (const Lingering& l : lingering) ::close(l.fd);
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<int> pending_;
  size_t lingering_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  std::thread thread_;
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
    case 431:
      return "Request Header Fields Too Large";
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
  std::string_view allowed;  // for kWrongMethod
};

Route route_for(HttpSatellite::Role role, const httplib::Request& req) {
  const std::string& m = req.method;
  const std::string& p = req.path;
  const bool get = m == "GET" || m == "HEAD";
  const bool post = m == "POST";
  auto only = [&](bool ok, Route::Kind kind, Protocol protocol, std::string_view allowed) {
    Route r;
    r.kind = ok ? kind : Route::Kind::kWrongMethod;
    r.protocol = protocol;
    r.allowed = allowed;
    return r;
  };
  // The admin API is served on the admin port only: a tracer, or anything
  // else that can reach a satellite port, must not be able to reset the
  // whole group's counts.
  if (role == HttpSatellite::Role::kAdmin) {
    if (p == "/spans_received")
      return only(get, Route::Kind::kSpansReceived, Protocol::kOther, "GET");
    if (p == "/stats") return only(get, Route::Kind::kStats, Protocol::kOther, "GET");
    if (p == "/reset") return only(post, Route::Kind::kReset, Protocol::kOther, "POST");
    return Route{};
  }

  if (const ProtocolSpec* spec = http_protocol_at(p)) {
    return only(http_method_allowed(*spec, m), Route::Kind::kReport, spec->protocol,
                spec->http_methods);
  }
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
         BandwidthLimiter& limiter, ConnectionBudget& budget, MemoryBudget& memory, Alerts& alerts)
      : role_(role),
        options_(options),
        ingestor_(ingestor),
        limiter_(limiter),
        budget_(budget),
        memory_(memory),
        alerts_(alerts),
        workers_(std::make_shared<WorkerCount>()) {
    head_limits_.max_line_bytes = options.max_header_line_bytes;
    head_limits_.max_headers = options.max_headers;
    head_limits_.max_head_bytes = std::min(options.max_head_bytes, kReadBufferBytes / 2);
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

  // Takes an accepted connection: serves it on a thread of its own, or
  // answers 503 when the budget is spent or no thread can be started.
  void dispatch(int sock) {
    try {
      dispatch_or_throw(sock);
    } catch (...) {
      // Out of memory (the accept loop must not die of it): this
      // connection is dropped, the next ones are tried again.
      ::close(sock);
    }
  }

  // Out of file descriptors: the accept loop calls this with a descriptor
  // it freed for the purpose, or -1 if it has none.
  void refuse_for_descriptors(int sock) {
    try {
      budget_.evict_idle();
      const std::string message = "out of file descriptors (open file limit " +
                                  std::to_string(open_file_limit()) +
                                  "); answering new connections 503 and closing idle ones";
      if (sock < 0) {
        alerts_.raise("descriptors", message);
        return;
      }
      const int owned = sock;
      sock = -1;
      refuse("descriptors", message, owned, "satellite out of file descriptors; retry");
    } catch (...) {
      if (sock >= 0) ::close(sock);
    }
  }

  void close_connections() {
    std::lock_guard<std::mutex> lock(live_mutex_);
    closing_ = true;
    for (int fd : live_) ::shutdown(fd, SHUT_RDWR);
  }

  void wait_for_connections() {
    workers_->wait_all();
    refuser_.stop();
  }

 private:
  // Throws only before the connection is tracked or handed on.
  void dispatch_or_throw(int sock) {
    {
      std::lock_guard<std::mutex> lock(live_mutex_);
      if (closing_) {
        ::close(sock);
        return;
      }
    }
    ConnectionBudget::Slot* slot = budget_.admit(sock);
    if (slot == nullptr) {
      refuse("connections",
             "connection limit reached: all " + std::to_string(budget_.limit()) +
                 " connections are busy (--max-connections " +
                 std::to_string(budget_.configured_limit()) + ", open file limit " +
                 std::to_string(open_file_limit()) + "); answering new ones 503",
             sock, "all " + std::to_string(budget_.limit()) + " connections busy; retry");
      return;
    }
    Task* task = nullptr;
    try {
      std::lock_guard<std::mutex> lock(live_mutex_);
      live_.insert(sock);
      task = new Task{this, sock, slot, workers_};
    } catch (...) {
      forget(sock, slot);
      throw;
    }
    workers_->add();
    pthread_attr_t attr;
    int err = ::pthread_attr_init(&attr);
    if (err == 0) {
      ::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      ::pthread_attr_setstacksize(&attr, kConnectionStackBytes);
      pthread_t thread;
      err = ::pthread_create(&thread, &attr, &Server::run_task, task);
      ::pthread_attr_destroy(&attr);
    }
    if (err == 0) return;
    delete task;
    workers_->done();
    forget(sock, slot);
    // Make room for the client's retry.
    budget_.evict_idle();
    refuse("threads",
           std::string("cannot start a connection thread (") + std::strerror(err) +
               "); answering new connections 503 and closing idle ones",
           sock, "satellite out of threads; retry");
  }

  struct Task {
    Server* server;
    int sock;
    ConnectionBudget::Slot* slot;
    std::shared_ptr<WorkerCount> workers;
  };

  static void* run_task(void* arg) {
    std::unique_ptr<Task> task(static_cast<Task*>(arg));
    std::shared_ptr<WorkerCount> workers = task->workers;
    task->server->handle_connection(task->sock, task->slot);
    task.reset();
    workers->done();
    return nullptr;
  }

  // Answers `sock` 503 and closes it; never throws.
  void refuse(const std::string& key, const std::string& message, int sock,
              const std::string& reason) noexcept {
    alerts_.raise(key, message);
    refuser_.refuse(sock, reason);
  }

  void forget(int sock, ConnectionBudget::Slot* slot) {
    std::lock_guard<std::mutex> lock(live_mutex_);
    live_.erase(sock);
    budget_.release(slot);
  }

  void handle_connection(int sock, ConnectionBudget::Slot* slot) {
    // Deliberate delays are micro- to milliseconds; the default 50 us timer
    // slack would dwarf the per-span ones.
    ::prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    int yes = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);

    Connection connection;
    try {
      serve(sock, slot, connection);
    } catch (...) {
      // Nothing a client sends may take the server down; drop this one.
    }
    t_connection = nullptr;
    release_buffers(true);

    // Still tracked while lingering, so a shutdown cuts the linger short.
    if (connection.close_after_response) linger_close(sock);
    forget(sock, slot);
    ::close(sock);
  }

  void serve(int sock, ConnectionBudget::Slot* slot, Connection& connection) {
    SocketStream stream(sock, options_.read_timeout, options_.read_timeout, &limiter_,
                        &ingestor_.interrupter());
    connection.stream = &stream;
    t_connection = &connection;
    const auto setup = [](httplib::Request& req) { setup_request(req); };
    uint64_t recorded_held = 0;  // what the budget knows this connection keeps

    while (true) {
      if (!stream.has_buffered_data()) {
        // Between requests the connection may be closed to make room for
        // another (ConnectionBudget).
        budget_.set_idle(slot, true);
        pollfd p{sock, POLLIN, 0};
        const int r = ::poll(&p, 1, to_poll_ms(options_.idle_timeout));
        budget_.set_idle(slot, false);
        if (r <= 0) break;  // idle too long, or error
      }
      stream.clear_timed_out();
      if (!read_head(stream, connection)) break;
      bool connection_closed = false;
      const bool ok = process_request(stream, false, connection_closed, setup);
      stream.clear_read_limit();
      release_buffers();
      if (t_held != recorded_held) {
        budget_.set_held(slot, t_held);
        recorded_held = t_held;
      }
      if (!ok || connection_closed || connection.close_after_response) break;
    }
    connection.stream = nullptr;
  }

  // Waits until the whole request head is buffered, within the read
  // timeout from the first byte and within the head limits; then lets the
  // parser read exactly that head. False when the connection must end
  // (after answering 408, 414 or 431 when there is a request to answer).
  bool read_head(SocketStream& stream, Connection& connection) {
    HeadScanner scanner(head_limits_);
    const auto deadline = Clock::now() + options_.read_timeout;
    while (scanner.scan(stream.buffered()) == HeadScanner::State::kIncomplete) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      const auto more = left.count() > 0 ? stream.read_more(left) : SocketStream::More::kTimeout;
      if (more == SocketStream::More::kData) continue;
      if (more == SocketStream::More::kTimeout && !stream.buffered().empty()) {
        // A sender that started a request and stalled, or sends its head a
        // byte at a time, gets its 408.
        // Counted before the answer, so whoever reads the answer sees the count.
        count_rejected(Protocol::kOther);
        write_plain_error(stream, 408,
                          "request head not received within read timeout (" +
                              std::to_string(options_.read_timeout.count()) + " ms)");
        connection.close_after_response = true;
      }
      return false;
    }
    if (scanner.state() != HeadScanner::State::kComplete) {
      count_rejected(Protocol::kOther);
      write_plain_error(stream, scanner.status(), scanner.reason());
      connection.close_after_response = true;
      return false;
    }
    stream.set_read_limit(stream.consumed() + scanner.head_bytes());
    return true;
  }

  // Gives back large buffers, and what they held of the memory budget.
  void release_buffers(bool all = false) {
    if (all || t_body.capacity() > kKeptBufferBytes) std::string().swap(t_body);
    if (all || t_inflated.capacity() > kKeptBufferBytes) std::string().swap(t_inflated);
    const uint64_t keep = all ? 0 : t_body.capacity() + t_inflated.capacity();
    if (t_held > keep) {
      memory_.give(t_held - keep);
      t_held = keep;
    }
  }

  // Takes from the memory budget so that this thread holds at least
  // `bytes`; false when the budget cannot give that much.
  bool hold(uint64_t bytes) {
    if (t_held >= bytes) return true;
    if (!memory_.take(bytes - t_held)) return false;
    t_held = bytes;
    return true;
  }

  // The budget is spent: answer 503, close idle connections (their kept
  // buffers go back), and say so once.
  void refuse_for_memory(httplib::Response& res, Protocol protocol) {
    alerts_.raise("memory", "request buffers reached the limit of " +
                                std::to_string(memory_.limit()) +
                                " bytes (--max-buffered-bytes); answering new reports 503 and "
                                "closing idle connections that keep buffers");
    budget_.evict_idle_holding();
    reject(res, 503,
           "satellite busy: request buffers at the limit of " + std::to_string(memory_.limit()) +
               " bytes; retry",
           protocol, true);
    res.set_header("Retry-After", "1");
  }

  static void setup_request(httplib::Request& req) {
    Connection& c = *t_connection;
    // The head is parsed; the body may be read.
    if (c.stream != nullptr) c.stream->clear_read_limit();
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
      case Route::Kind::kStats: {
        nlohmann::json stats = stats_to_json(ingestor_.counter().stats());
        stats["alerts"] = nlohmann::json::array();
        for (const Alerts::Entry& a : alerts_.entries()) {
          stats["alerts"].push_back({{"kind", a.key}, {"message", a.message}, {"count", a.count}});
        }
        res.set_content(stats.dump(), "application/json");
      }
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
        reject(res, 405,
               req.method + " " + req.path + " is not served; use " + std::string(route.allowed),
               route.protocol, false);
        res.set_header("Allow", std::string(route.allowed));
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

    // Reused per connection thread, keeping its capacity (up to
    // kKeptBufferBytes) between reports.
    std::string& body = t_body;
    body.clear();
    if (length) {
      if (!hold(std::max<uint64_t>(*length, body.capacity()) + t_inflated.capacity())) {
        refuse_for_memory(res, route.protocol);
        return;
      }
      body.reserve(*length);
    }
    bool too_large = false;
    bool no_memory = false;
    const bool read_ok = reader([&](const char* data, size_t n) {
      if (body.size() + n > options_.max_body_bytes) {
        too_large = true;
        return false;
      }
      // A chunked body grows the buffer as it comes (at most doubling it).
      if (body.size() + n > body.capacity() &&
          !hold(2 * (body.size() + n) + t_inflated.capacity())) {
        no_memory = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (!read_ok) {
      if (no_memory) {
        refuse_for_memory(res, route.protocol);
      } else if (ingestor_.interrupter().interrupted()) {
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
    ingest(route.protocol, req, res, body, realtime_now_nanos());
  }

  void ingest(Protocol protocol, const httplib::Request& req, httplib::Response& res,
              std::string& body, int64_t received_unix_nanos) {
    Connection& c = *t_connection;
    const std::string content_type = lowercase(req.get_header_value("Content-Type"));
    const ProtocolSpec* spec = http_protocol_for(req.path, content_type);
    if (!spec) {
      reject(res, 415,
             "unsupported Content-Type '" + content_type + "' for " + req.path + " (" +
                 std::string(protocol_spec(protocol).content_type_hint) + ")",
             protocol, false);
      return;
    }
    protocol = spec->protocol;

    const uint64_t wire_bytes = body.size();
    std::string_view payload = body;
    std::string& inflated = t_inflated;
    if (!c.content_encoding.empty() && c.content_encoding != "identity") {
      if (c.content_encoding != "gzip" && c.content_encoding != "x-gzip" &&
          c.content_encoding != "deflate") {
        reject(res, 415,
               "unsupported Content-Encoding '" + c.content_encoding + "' (use gzip or none)",
               protocol, false);
        return;
      }
      inflated.clear();
      // Inflating may take up to twice its output in capacity; it gets what
      // the memory budget can give, up to --max-body-bytes.
      const uint64_t can_hold = t_held + memory_.available();
      const uint64_t spare = can_hold > body.capacity() ? can_hold - body.capacity() : 0;
      const size_t limit =
          static_cast<size_t>(std::min<uint64_t>(options_.max_body_bytes, spare / 2));
      if (limit < std::min<size_t>(options_.max_body_bytes, 64 * 1024) ||
          !hold(body.capacity() + 2 * uint64_t{limit})) {
        refuse_for_memory(res, protocol);
        return;
      }
      const DecodeStatus status = gunzip(body, inflated, limit);
      if (!status.ok) {
        if (limit < options_.max_body_bytes && status.error.find("exceeds") != std::string::npos) {
          refuse_for_memory(res, protocol);
          return;
        }
        reject(res, 400, status.error.empty() ? std::string("bad gzip body") : status.error,
               protocol, false);
        return;
      }
      payload = inflated;
    }

    const IngestResult result =
        ingestor_.ingest(protocol, payload, wire_bytes, received_unix_nanos);
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
    const HttpAnswer& answer = protocol_spec(protocol).answer;
    if (answer.status != 200) res.status = answer.status;
    if (!answer.content_type.empty()) {
      res.set_content(answer.body.data(), answer.body.size(), std::string(answer.content_type));
    }
  }

  Role role_;
  const SatelliteOptions& options_;
  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;

  ConnectionBudget& budget_;
  MemoryBudget& memory_;
  Alerts& alerts_;
  HeadLimits head_limits_;
  std::shared_ptr<WorkerCount> workers_;
  Refuser refuser_;

  std::mutex live_mutex_;
  std::unordered_set<int> live_;
  bool closing_ = false;
};

HttpSatellite::HttpSatellite(Role role, const SatelliteOptions& options, uint16_t port,
                             ReportIngestor& ingestor, BandwidthLimiter& limiter,
                             ConnectionBudget& budget, MemoryBudget& memory, Alerts& alerts)
    : role_(role),
      options_(options),
      port_(port),
      ingestor_(ingestor),
      limiter_(limiter),
      budget_(budget),
      memory_(memory),
      alerts_(alerts) {}

HttpSatellite::~HttpSatellite() { stop(); }

namespace {

int open_listener(const std::string& host, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    errno = EINVAL;
    return -1;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  // SO_REUSEADDR lets start() rebind right after stop(); SO_REUSEPORT is
  // left off so that a second group cannot bind the same port silently.
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  // A burst of tracer connections must not overflow the backlog and wait
  // out a 1 s SYN retry.
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1024) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

void accept_loop(HttpSatellite::Server& server, int listen_fd, int wake_fd) {
  // A descriptor kept in reserve: when accept() fails for want of one,
  // it is freed to take the connection and answer it 503, rather than
  // leaving it (and every connection after it) unanswered in the backlog.
  int reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  while (true) {
    pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    const int r = ::poll(p, 2, -1);
    if (r < 0 && errno != EINTR) break;
    if (p[1].revents != 0) break;
    if ((p[0].revents & POLLIN) == 0) continue;
    while (true) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        server.dispatch(fd);
        continue;
      }
      if (errno == EMFILE || errno == ENFILE) {
        if (reserve >= 0) {
          ::close(reserve);
          const int refused = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
          server.refuse_for_descriptors(refused);
          reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        } else {
          server.refuse_for_descriptors(-1);
          reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        continue;
      }
      if (errno == ENOBUFS || errno == ENOMEM) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      break;  // EAGAIN: the backlog is empty; or a connection that went away
    }
  }
  if (reserve >= 0) ::close(reserve);
}

}  // namespace

void HttpSatellite::start() {
  if (server_) return;
  const int fd = open_listener(options_.host, port_);
  if (fd < 0) {
    const int err = errno;
    const auto kind =
        role_ == Role::kAdmin ? PortInUseError::Kind::kAdmin : PortInUseError::Kind::kSatellite;
    throw PortInUseError(kind, port_,
                         "cannot listen on " + options_.host + ":" + std::to_string(port_) +
                             " (TCP): " + std::strerror(err));
  }
  const int wake = ::eventfd(0, EFD_CLOEXEC);
  if (wake < 0) {
    const int err = errno;
    ::close(fd);
    throw Error("cannot start the satellite on port " + std::to_string(port_) + ": " +
                std::strerror(err));
  }
  auto server =
      std::make_unique<Server>(role_, options_, ingestor_, limiter_, budget_, memory_, alerts_);
  Server* raw = server.get();
  try {
    accept_thread_ = std::thread([raw, fd, wake] { accept_loop(*raw, fd, wake); });
  } catch (const std::system_error& e) {
    ::close(fd);
    ::close(wake);
    throw Error("cannot start the satellite on port " + std::to_string(port_) + ": " + e.what());
  }
  listen_fd_ = fd;
  wake_fd_ = wake;
  server_ = std::move(server);
}

void HttpSatellite::stop() {
  if (!server_) return;
  // Cut live keep-alive connections (and refuse any accepted from now on)
  // so their threads end now rather than at the idle timeout; then end the
  // accept loop and close the listener.
  server_->close_connections();
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  if (accept_thread_.joinable()) accept_thread_.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
  listen_fd_ = wake_fd_ = -1;
  server_->close_connections();
  server_->wait_for_connections();
  server_.reset();
}

}  // namespace spanbench::satellite
