// bench_satellite_ingest: how many benchmark-shaped spans (10 tags, 15 logs) one
// satellite ingests per second on one core, per HTTP protocol, and how much
// satellite CPU each span costs.
//
// The satellite runs in a child process pinned to one core; this process
// sends pre-encoded batches over one HTTP keep-alive connection from the
// other core, so encoding costs nothing during the measurement. The child's
// CPU time (all its threads, CLOCK_PROCESS_CPUTIME_ID) is read over a pipe
// before and after each repetition, and its counter is reset in between so
// every repetition inserts new span IDs. Counts are checked exactly.
//
// Usage: bench_satellite_ingest [--reps N] [--batches N] [--batch-spans N]
//                               [--mode typical|slow_succeed] [--protocols a,b,...]
//                               [--server-cpu N] [--client-cpu N]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "satellite/satellite_group.h"
#include "support/payloads.h"

namespace {

using spanbench::satellite::SatelliteGroup;
using spanbench::satellite::SatelliteOptions;

struct Args {
  int reps = 5;
  size_t batches = 200;
  size_t batch_spans = 512;
  std::string mode = "typical";
  std::string protocols =
      "otlp_proto,lightstep_proto,otlp_json,zipkin,datadog_v04,datadog_v05,jaeger_thrift,lightstep_"
      "json";
  int server_cpu = 0;
  int client_cpu = 1;
};

struct ProtocolSpec {
  std::string name;
  std::string method;
  std::string path;
  std::string content_type;
  std::function<std::string(std::span<const uint64_t>)> encode;
};

std::vector<ProtocolSpec> all_protocols() {
  using namespace spanbench::testing;
  return {
      {"otlp_proto", "POST", "/v1/traces", "application/x-protobuf",
       [](auto ids) { return otlp_proto(ids); }},
      {"lightstep_proto", "POST", "/api/v2/reports", "application/octet-stream",
       [](auto ids) { return lightstep_proto(ids); }},
      {"otlp_json", "POST", "/v1/traces", "application/json",
       [](auto ids) { return otlp_json(ids); }},
      {"zipkin", "POST", "/api/v2/spans", "application/json",
       [](auto ids) { return zipkin_json(ids); }},
      {"datadog_v04", "PUT", "/v0.4/traces", "application/msgpack",
       [](auto ids) { return datadog_v04(ids); }},
      {"datadog_v05", "PUT", "/v0.5/traces", "application/msgpack",
       [](auto ids) { return datadog_v05(ids); }},
      {"jaeger_thrift", "POST", "/api/traces", "application/x-thrift",
       [](auto ids) { return jaeger_batch_binary(ids); }},
      {"lightstep_json", "POST", "/api/v0/reports", "application/json",
       [](auto ids) { return lightstep_json(ids); }},
  };
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_satellite_ingest: %s\n", why.c_str());
  std::exit(1);
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    die("sched_setaffinity to CPU " + std::to_string(cpu) + ": " + std::strerror(errno));
}

void write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) die("pipe write failed");
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void read_all(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n <= 0) die("pipe read failed (satellite process died?)");
    p += n;
    size -= static_cast<size_t>(n);
  }
}

struct ChildReport {
  int64_t cpu_ns;
  uint64_t spans;
  uint64_t duplicates;
  uint64_t rejected;
};

int64_t process_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The satellite process: serves until told to quit, answering 'r' (reset
// counts) and 'c' (report CPU and counts) on the command pipe.
[[noreturn]] void run_satellite(const Args& args, uint16_t port, int cmd_fd, int reply_fd) {
  pin_to(args.server_cpu);
  SatelliteOptions options;
  options.ports = {port};
  options.admin_port = 0;
  options.udp = false;
  options.mode = *spanbench::satellite::parse_mode(args.mode);
  SatelliteGroup group(options);
  try {
    group.start();
  } catch (const std::exception& e) {
    die(e.what());
  }
  const char ready = 'k';
  write_all(reply_fd, &ready, 1);
  while (true) {
    char cmd = 0;
    read_all(cmd_fd, &cmd, 1);
    if (cmd == 'r') {
      group.reset();
      write_all(reply_fd, &ready, 1);
    } else if (cmd == 'c') {
      const auto stats = group.stats();
      ChildReport report{process_cpu_ns(), stats.total.spans, stats.total.duplicates,
                         stats.total.rejected};
      write_all(reply_fd, &report, sizeof report);
    } else {
      group.close();
      std::_Exit(0);
    }
  }
}

class Connection {
 public:
  explicit Connection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      die("connect to satellite failed");
    }
    int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  }
  ~Connection() { ::close(fd_); }

  // Sends one request and reads its response; returns the status code.
  int exchange(const std::string& head, const std::string& body) {
    iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
    size_t total = head.size() + body.size();
    int idx = 0;
    while (total > 0) {
      const ssize_t n = ::writev(fd_, iov + idx, 2 - idx);
      if (n <= 0) die("send failed");
      total -= static_cast<size_t>(n);
      size_t left = static_cast<size_t>(n);
      while (idx < 2 && left >= iov[idx].iov_len) {
        left -= iov[idx].iov_len;
        ++idx;
      }
      if (idx < 2) {
        iov[idx].iov_base = static_cast<char*>(iov[idx].iov_base) + left;
        iov[idx].iov_len -= left;
      }
    }
    in_.clear();
    size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) fill();
    const int status = std::atoi(in_.c_str() + 9);
    size_t length = 0;
    const char* cl = strcasestr(in_.c_str(), "content-length:");
    if (cl != nullptr && cl < in_.c_str() + end) length = std::strtoul(cl + 15, nullptr, 10);
    while (in_.size() < end + 4 + length) fill();
    return status;
  }

 private:
  void fill() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) die("satellite closed the connection");
    in_.append(buf, static_cast<size_t>(n));
  }
  int fd_;
  std::string in_;
};

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--reps")
      a.reps = std::stoi(value());
    else if (flag == "--batches")
      a.batches = std::stoul(value());
    else if (flag == "--batch-spans")
      a.batch_spans = std::stoul(value());
    else if (flag == "--mode")
      a.mode = value();
    else if (flag == "--protocols")
      a.protocols = value();
    else if (flag == "--server-cpu")
      a.server_cpu = std::stoi(value());
    else if (flag == "--client-cpu")
      a.client_cpu = std::stoi(value());
    else
      die("unknown option " + flag + " (see the comment at the top of the source)");
  }
  if (a.reps < 1 || a.batches < 1 || a.batch_spans < 1) die("counts must be positive");
  if (!spanbench::satellite::parse_mode(a.mode))
    die("--mode must be typical, slow_succeed or slow_fail");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  const uint16_t port = free_port();

  int cmd_pipe[2], reply_pipe[2];
  if (::pipe(cmd_pipe) != 0 || ::pipe(reply_pipe) != 0) die("pipe failed");
  const pid_t child = ::fork();
  if (child < 0) die("fork failed");
  if (child == 0) {
    ::close(cmd_pipe[1]);
    ::close(reply_pipe[0]);
    run_satellite(args, port, cmd_pipe[0], reply_pipe[1]);
  }
  ::close(cmd_pipe[0]);
  ::close(reply_pipe[1]);
  const int cmd_fd = cmd_pipe[1];
  const int reply_fd = reply_pipe[0];
  char ack;
  read_all(reply_fd, &ack, 1);
  pin_to(args.client_cpu);

  std::printf(
      "satellite ingest, one connection, keep-alive; satellite on CPU %d, sender on CPU %d\n",
      args.server_cpu, args.client_cpu);
  std::printf(
      "mode %s; %zu batches x %zu spans (10 tags, 15 logs) per repetition; median of %d\n\n",
      args.mode.c_str(), args.batches, args.batch_spans, args.reps);
  std::printf("%-16s %12s %14s %14s %12s\n", "protocol", "bytes/span", "spans/s", "cpu us/span",
              "spans/s/core");

  for (const ProtocolSpec& spec : all_protocols()) {
    if (("," + args.protocols + ",").find("," + spec.name + ",") == std::string::npos) continue;
    std::vector<std::string> bodies;
    size_t total_bytes = 0;
    for (size_t b = 0; b < args.batches; ++b) {
      const auto ids = spanbench::testing::id_range(b * args.batch_spans + 1, args.batch_spans);
      bodies.push_back(spec.encode(ids));
      total_bytes += bodies.back().size();
    }
    std::vector<std::string> heads;
    for (const std::string& body : bodies) {
      heads.push_back(spec.method + " " + spec.path +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + spec.content_type +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    }
    const uint64_t spans_per_rep = args.batches * args.batch_spans;
    Connection connection(port);
    std::vector<double> rates, cpu_per_span;
    for (int rep = 0; rep < args.reps + 1; ++rep) {
      write_all(cmd_fd, "r", 1);
      read_all(reply_fd, &ack, 1);
      ChildReport before{}, after{};
      write_all(cmd_fd, "c", 1);
      read_all(reply_fd, &before, sizeof before);
      const auto t0 = std::chrono::steady_clock::now();
      for (size_t b = 0; b < bodies.size(); ++b) {
        const int status = connection.exchange(heads[b], bodies[b]);
        if (status != 200 && status != 202)
          die(spec.name + ": satellite answered " + std::to_string(status));
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      write_all(cmd_fd, "c", 1);
      read_all(reply_fd, &after, sizeof after);
      if (after.spans != spans_per_rep || after.duplicates != 0 || after.rejected != 0) {
        die(spec.name + ": counted " + std::to_string(after.spans) + " spans, " +
            std::to_string(after.duplicates) + " duplicates, " + std::to_string(after.rejected) +
            " rejected; expected " + std::to_string(spans_per_rep) + ", 0, 0");
      }
      if (rep == 0) continue;  // warm-up: page faults, first-touch of the ID sets
      rates.push_back(static_cast<double>(spans_per_rep) / seconds);
      cpu_per_span.push_back(static_cast<double>(after.cpu_ns - before.cpu_ns) / 1000.0 /
                             static_cast<double>(spans_per_rep));
    }
    const double cpu_us = median(cpu_per_span);
    std::printf("%-16s %12.0f %14.0f %14.3f %12.0f\n", spec.name.c_str(),
                static_cast<double>(total_bytes) / static_cast<double>(spans_per_rep),
                median(rates), cpu_us, 1e6 / cpu_us);
    std::fflush(stdout);
  }

  write_all(cmd_fd, "q", 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  return 0;
}
