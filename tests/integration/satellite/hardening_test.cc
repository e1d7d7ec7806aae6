// Attacks on a running `spanbench satellite` process, as a hostile or
// careless local user would try them: a header line without end, a million
// headers, heads sent a byte at a time, thousands of idle connections under
// a low open file limit or address-space limit. Each checks that the
// satellite answers cleanly, keeps its memory bounded (peak RSS, in
// numbers), keeps its counts and goes on counting valid reports.

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpc/byte_buffer.h>
#include <grpc/compression.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/payloads.h"
#include "support/sockets.h"

namespace spanbench::testing {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kMiB = 1024 * 1024;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// What every attack here must keep the satellite process under. Under
// AddressSanitizer (the sanitizer build of these tests) freed memory waits
// in a quarantine of up to 256 MiB and every allocation has shadow memory,
// so the bound there only catches the unbounded cases (gigabytes).
constexpr uint64_t kRssBound = kAddressSanitizer ? 768 * kMiB : 200 * kMiB;

// `spanbench satellite` in a child process, optionally under resource
// limits set in the child before exec.
class SatelliteProcess {
 public:
  struct Limits {
    std::optional<rlim_t> open_files;
    std::optional<rlim_t> address_space_bytes;
  };

  explicit SatelliteProcess(const std::vector<std::string>& extra_args, Limits limits = {}) {
    // A refused connection is closed under the client's feet; the client
    // must see an error, not die of SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    const PortBlock block = free_ports(1);
    port_ = block.ports[0];
    admin_ = block.admin;
    char path[] = "/tmp/spanbench-satellite-stderr-XXXXXX";
    const int err_fd = ::mkstemp(path);
    stderr_path_ = path;
    std::vector<std::string> args = {
        SPANBENCH_BINARY,       "satellite", "--ports", std::to_string(port_), "--admin-port",
        std::to_string(admin_), "--no-udp"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::signal(SIGPIPE, SIG_DFL);
      ::dup2(err_fd, 2);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      if (limits.open_files) {
        rlimit r{*limits.open_files, *limits.open_files};
        ::setrlimit(RLIMIT_NOFILE, &r);
      }
      if (limits.address_space_bytes) {
        rlimit r{*limits.address_space_bytes, *limits.address_space_bytes};
        ::setrlimit(RLIMIT_AS, &r);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(err_fd);
    // Up when the admin port answers and the satellite port accepts (the
    // admin port comes up first).
    ready_ = eventually(
        [&] { return alive() && !http_get(admin_, "/stats").empty() && !connect_refused(port_); },
        20s);
  }

  ~SatelliteProcess() {
    if (alive()) {
      ::kill(pid_, SIGTERM);
      if (!eventually([&] { return !alive(); }, 5s)) ::kill(pid_, SIGKILL);
    }
    if (!reaped_) ::waitpid(pid_, &status_, 0);
    ::unlink(stderr_path_.c_str());
  }

  bool ready() const { return ready_; }
  uint16_t port() const { return port_; }
  uint16_t admin() const { return admin_; }

  bool alive() {
    if (reaped_) return false;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    return !reaped_;
  }
  std::string exit_description() const {
    if (!reaped_) return "running";
    if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
    return "exited " + std::to_string(WEXITSTATUS(status_));
  }

  // Peak resident set size so far (VmHWM).
  uint64_t peak_rss_bytes() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
  }

  std::string stderr_text() const {
    std::ifstream in(stderr_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Retries a few times: short of threads, even the admin port may answer
  // a clean 503 once.
  uint64_t spans_received() const {
    for (int attempt = 0; attempt < 5; ++attempt) {
      const std::string body = http_get(admin_, "/spans_received");
      if (!body.empty()) return std::stoull(body);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return UINT64_MAX;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t admin_ = 0;
  std::string stderr_path_;
  bool ready_ = false;
  bool reaped_ = false;
  int status_ = 0;
};

// Posts a valid 10-span report with ids from `first`; returns the status
// (0 when there was no answer).
int post_report(uint16_t port, uint64_t first) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5s);
  client.set_read_timeout(10s);
  auto r =
      client.Post("/v1/traces", otlp_proto(id_range(first, 10), {1, 1}), "application/x-protobuf");
  return r ? r->status : 0;
}

// Sends `prefix`, then `filler` over and over, up to `limit` bytes in all
// or until the satellite stops reading (send fails or blocks 2 s); then
// reads the answer. Returns the status line's code (0: none) and the bytes
// actually sent.
struct FloodResult {
  int status = 0;
  uint64_t sent = 0;
};
FloodResult flood(uint16_t port, const std::string& prefix, const std::string& filler,
                  uint64_t limit) {
  FloodResult result;
  const int fd = connect_to(port);
  if (fd < 0) return result;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string chunk = prefix;
  while (result.sent < limit) {
    if (chunk.empty()) {
      while (chunk.size() < 256 * 1024) chunk += filler;
    }
    const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    result.sent += static_cast<uint64_t>(n);
    chunk.erase(0, static_cast<size_t>(n));
  }
  const std::string in = read_until(fd, "\r\n", 3s);
  ::close(fd);
  if (in.rfind("HTTP/1.1 ", 0) == 0) result.status = std::atoi(in.c_str() + 9);
  return result;
}

TEST(SatelliteHardeningTest, HeaderLineWithoutEndIsRefusedWithBoundedMemory) {
  SatelliteProcess satellite({});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  ASSERT_EQ(post_report(satellite.port(), 1), 200) << satellite.exit_description() << "\n"
                                                   << satellite.stderr_text();
  // Up to 1 GiB of one header line: the satellite reads 64 KiB of it,
  // answers 431 and closes, so the sender cannot get much further.
  const FloodResult r =
      flood(satellite.port(), "POST /v1/traces HTTP/1.1\r\nX-Long: ", std::string(4096, 'a'),
            1024 * kMiB);
  EXPECT_LT(r.sent, 1024 * kMiB) << "the satellite read a whole gigabyte of one header line";
  // The 431 may be lost to the reset of a connection closed while the
  // sender still sends; when an answer arrives, it is that one.
  if (r.status != 0) {
    EXPECT_EQ(r.status, 431);
  }
  ASSERT_TRUE(satellite.alive()) << satellite.exit_description();
  EXPECT_LT(satellite.peak_rss_bytes(), kRssBound);
  EXPECT_EQ(post_report(satellite.port(), 100), 200);
  EXPECT_EQ(satellite.spans_received(), 20u);
}

TEST(SatelliteHardeningTest, MillionHeadersAreRefusedWithBoundedMemory) {
  SatelliteProcess satellite({});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  ASSERT_EQ(post_report(satellite.port(), 1), 200) << satellite.exit_description() << "\n"
                                                   << satellite.stderr_text();
  // 1,000,000 short headers (12 MB).
  const FloodResult r =
      flood(satellite.port(), "POST /v1/traces HTTP/1.1\r\n", "X-Header: v\r\n", 1'000'000 * 13);
  EXPECT_EQ(r.status, 431);
  ASSERT_TRUE(satellite.alive()) << satellite.exit_description();
  EXPECT_LT(satellite.peak_rss_bytes(), kRssBound);
  EXPECT_EQ(post_report(satellite.port(), 100), 200);
  EXPECT_EQ(satellite.spans_received(), 20u);
}

TEST(SatelliteHardeningTest, HeadLimitsAnswer431And414) {
  SatelliteProcess satellite({});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  // Small enough that the whole request is read before the answer.
  RawResponse r =
      raw_exchange(satellite.port(),
                   "POST /v1/traces HTTP/1.1\r\nX-Long: " + std::string(9000, 'a') + "\r\n\r\n");
  EXPECT_EQ(r.status, 431) << r.headers;
  EXPECT_NE(r.body.find("header line longer than 8192 bytes"), std::string::npos) << r.body;
  std::string many = "GET /info HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  r = raw_exchange(satellite.port(), many + "\r\n");
  EXPECT_EQ(r.status, 431) << r.headers;
  EXPECT_NE(r.body.find("more than 100 header lines"), std::string::npos) << r.body;
  r = raw_exchange(satellite.port(), "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, 414) << r.headers;
  // 100 headers are fine.
  many = "GET /info HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  r = raw_exchange(satellite.port(), many + "\r\n");
  EXPECT_EQ(r.status, 200) << r.headers;
  EXPECT_EQ(post_report(satellite.port(), 1), 200);
  EXPECT_EQ(satellite.spans_received(), 10u);
}

TEST(SatelliteHardeningTest, HeadSentAByteAtATimeTimesOut) {
  SatelliteProcess satellite({"--read-timeout-ms", "500"});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  // Never silent for long enough to trip a per-read timeout, but the head
  // as a whole must arrive within the read timeout.
  const int fd = connect_to(satellite.port());
  ASSERT_GE(fd, 0);
  const std::string head = "POST /v1/traces HTTP/1.1\r\nHost: x\r\n" + std::string(200, ' ');
  const auto t0 = std::chrono::steady_clock::now();
  std::string in;
  for (char c : head) {
    if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) in.append(buf, static_cast<size_t>(n));
      break;
    }
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  ::close(fd);
  EXPECT_EQ(in.rfind("HTTP/1.1 408", 0), 0u) << in;
  EXPECT_LT(took, 3s);
  EXPECT_EQ(post_report(satellite.port(), 1), 200);
}

// Opens `count` connections that send nothing; returns their descriptors.
std::vector<int> open_idle(uint16_t port, size_t count) {
  std::vector<int> fds;
  for (size_t i = 0; i < count; ++i) {
    const int fd = connect_to(port);
    if (fd < 0) break;
    fds.push_back(fd);
  }
  return fds;
}

void close_all(std::vector<int>& fds) {
  for (int fd : fds) ::close(fd);
  fds.clear();
}

// A valid report must count, possibly after a clean 503 or two (the 503
// makes room for the retry).
int post_with_retries(uint16_t port, uint64_t first) {
  int status = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    status = post_report(port, first);
    if (status != 503) return status;
    std::this_thread::sleep_for(200ms);
  }
  return status;
}

void raise_own_file_limit(rlim_t want) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < want) {
    r.rlim_cur = std::min(want, r.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

TEST(SatelliteHardeningTest, IdleConnectionsBeyondTheOpenFileLimit) {
  raise_own_file_limit(4096);
  SatelliteProcess satellite({}, {.open_files = 1024, .address_space_bytes = std::nullopt});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  ASSERT_EQ(post_report(satellite.port(), 1), 200) << satellite.exit_description() << "\n"
                                                   << satellite.stderr_text();
  std::vector<int> idle = open_idle(satellite.port(), 1100);
  EXPECT_EQ(idle.size(), 1100u);
  // Under 1,024 descriptors the satellite holds fewer connections than
  // that; the longest-idle ones made room for the rest, and a valid report
  // still counts.
  EXPECT_EQ(post_with_retries(satellite.port(), 100), 200);
  ASSERT_TRUE(satellite.alive()) << satellite.exit_description();
  EXPECT_EQ(satellite.spans_received(), 20u);
  EXPECT_LT(satellite.peak_rss_bytes(), kRssBound);
  close_all(idle);
}

TEST(SatelliteHardeningTest, ConnectionsBeyondTheLimitWhenAllAreBusyGet503) {
  SatelliteProcess satellite({"--max-connections", "20", "--read-timeout-ms", "3000"});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  // 20 connections each in the middle of a request head: none is idle, so
  // none can be closed to make room.
  std::vector<int> busy = open_idle(satellite.port(), 20);
  for (int fd : busy) ::send(fd, "POST /v1/traces HTTP/1.1\r\n", 26, MSG_NOSIGNAL);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(post_report(satellite.port(), 1), 503);
  EXPECT_EQ(post_report(satellite.port(), 1), 503);
  // Once they time out (408), reports count again.
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(post_with_retries(satellite.port(), 1), 200);
  EXPECT_EQ(satellite.spans_received(), 10u);
  close_all(busy);
  // One line on stderr for the limit, however often it was hit.
  EXPECT_TRUE(eventually([&] {
    return satellite.stderr_text().find("connection limit reached") != std::string::npos;
  }));
  const std::string err = satellite.stderr_text();
  EXPECT_EQ(err.find("connection limit reached"), err.rfind("connection limit reached")) << err;
  const auto stats = nlohmann::json::parse(http_get(satellite.admin(), "/stats"));
  ASSERT_EQ(stats["alerts"].size(), 1u) << stats.dump();
  EXPECT_EQ(stats["alerts"][0]["kind"], "connections");
  EXPECT_GE(stats["alerts"][0]["count"].get<int>(), 2);
}

TEST(SatelliteHardeningTest, LargeBodiesBeyondTheMemoryBudgetGet503) {
  // 8 MiB bodies, 34 MiB for all request buffers: four such bodies at once.
  SatelliteProcess satellite({"--max-body-bytes", std::to_string(8 * kMiB), "--max-buffered-bytes",
                              std::to_string(34 * kMiB), "--read-timeout-ms", "1500"});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  const std::string head =
      "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-protobuf\r\nContent-Length: " +
      std::to_string(8 * kMiB) + "\r\n\r\n";
  std::vector<int> fds = open_idle(satellite.port(), 40);
  ASSERT_EQ(fds.size(), 40u);
  for (int fd : fds) ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  std::this_thread::sleep_for(500ms);
  std::vector<int> admitted;
  size_t refused = 0;
  for (int fd : fds) {
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    if (n > 0 && std::string(buf, static_cast<size_t>(n)).rfind("HTTP/1.1 503", 0) == 0) {
      ++refused;
    } else {
      admitted.push_back(fd);
    }
  }
  EXPECT_EQ(admitted.size(), 4u);
  EXPECT_EQ(refused, 36u);
  // The admitted ones send all but the last byte of their bodies and stall.
  const std::string chunk(kMiB, 'x');
  for (int fd : admitted) {
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    for (int i = 0; i < 8; ++i) {
      ::send(fd, chunk.data(), i == 7 ? chunk.size() - 1 : chunk.size(), MSG_NOSIGNAL);
    }
  }
  ASSERT_TRUE(satellite.alive()) << satellite.exit_description();
  EXPECT_LT(satellite.peak_rss_bytes(), kRssBound);
  // Once they time out (408) their buffers go back and reports count again.
  std::this_thread::sleep_for(2s);
  close_all(fds);
  EXPECT_EQ(post_with_retries(satellite.port(), 1), 200);
  EXPECT_EQ(satellite.spans_received(), 10u);
  const auto stats = nlohmann::json::parse(http_get(satellite.admin(), "/stats"));
  ASSERT_EQ(stats["alerts"].size(), 1u) << stats.dump();
  EXPECT_EQ(stats["alerts"][0]["kind"], "memory");
  EXPECT_EQ(stats["alerts"][0]["count"], 36);
}

TEST(SatelliteHardeningTest, IdleConnectionsUnderAnAddressSpaceLimit) {
  if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer cannot run under RLIMIT_AS";
  raise_own_file_limit(4096);
  // About 150 connection threads with 8 MiB stacks used to exhaust this
  // and abort the satellite (std::system_error from std::thread).
  SatelliteProcess satellite(
      {}, {.open_files = std::nullopt, .address_space_bytes = rlim_t{2'000'000} * 1024});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  ASSERT_EQ(post_report(satellite.port(), 1), 200) << satellite.exit_description() << "\n"
                                                   << satellite.stderr_text();
  std::vector<int> idle = open_idle(satellite.port(), 1000);
  EXPECT_EQ(idle.size(), 1000u);
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(satellite.alive()) << satellite.exit_description() << "\n" << satellite.stderr_text();
  EXPECT_EQ(post_with_retries(satellite.port(), 100), 200);
  EXPECT_EQ(satellite.spans_received(), 20u);
  close_all(idle);
  ASSERT_TRUE(satellite.alive()) << satellite.exit_description();
  // Running out of threads, if it happened, is said once.
  const std::string err = satellite.stderr_text();
  EXPECT_EQ(err.find("cannot start a connection thread"),
            err.rfind("cannot start a connection thread"))
      << err;
}

// --- gRPC ------------------------------------------------------------------

constexpr const char* kExportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

// `bytes` of zeros, gzip-compressed (about a thousandth of the size).
std::string gzip_of_zeros(uint64_t bytes) {
  z_stream zs{};
  deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  uint64_t left = bytes;
  while (true) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
    left -= n;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    zs.avail_in = static_cast<uInt>(n);
    const int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    int rc = Z_OK;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = deflate(&zs, flush);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0);
    if (flush == Z_FINISH && rc == Z_STREAM_END) break;
  }
  deflateEnd(&zs);
  return out;
}

// One Export call through gRPC's C core, whose byte buffers can carry a
// message already compressed: it goes out as is, flagged compressed, with
// grpc-encoding `compression`. Returns the status code and details.
std::pair<grpc_status_code, std::string> export_raw(uint16_t port, const std::string& message,
                                                    grpc_compression_algorithm compression) {
  grpc_init();
  grpc_arg arg{};
  arg.type = GRPC_ARG_INTEGER;
  arg.key = const_cast<char*>(GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM);
  arg.value.integer = compression;
  grpc_channel_args args{1, &arg};
  grpc_channel_credentials* credentials = grpc_insecure_credentials_create();
  const std::string target = "127.0.0.1:" + std::to_string(port);
  grpc_channel* channel = grpc_channel_create(target.c_str(), credentials, &args);
  grpc_completion_queue* cq = grpc_completion_queue_create_for_next(nullptr);
  const gpr_timespec deadline =
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(30, GPR_TIMESPAN));
  grpc_call* call = grpc_channel_create_call(channel, nullptr, GRPC_PROPAGATE_DEFAULTS, cq,
                                             grpc_slice_from_static_string(kExportMethod), nullptr,
                                             deadline, nullptr);
  grpc_slice payload = grpc_slice_from_copied_buffer(message.data(), message.size());
  grpc_byte_buffer* buffer = compression == GRPC_COMPRESS_NONE
                                 ? grpc_raw_byte_buffer_create(&payload, 1)
                                 : grpc_raw_compressed_byte_buffer_create(&payload, 1, compression);
  grpc_slice_unref(payload);
  grpc_metadata_array initial, trailing;
  grpc_metadata_array_init(&initial);
  grpc_metadata_array_init(&trailing);
  grpc_byte_buffer* response = nullptr;
  grpc_status_code status = GRPC_STATUS_UNKNOWN;
  grpc_slice details = grpc_empty_slice();
  grpc_op ops[6] = {};
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = buffer;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &response;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &trailing;
  ops[5].data.recv_status_on_client.status = &status;
  ops[5].data.recv_status_on_client.status_details = &details;
  std::string text;
  if (grpc_call_start_batch(call, ops, 6, &status, nullptr) == GRPC_CALL_OK) {
    const grpc_event event = grpc_completion_queue_next(
        cq, gpr_time_add(deadline, gpr_time_from_seconds(5, GPR_TIMESPAN)), nullptr);
    if (event.type != GRPC_OP_COMPLETE) status = GRPC_STATUS_UNKNOWN;
    char* d = grpc_slice_to_c_string(details);
    text = d;
    gpr_free(d);
  }
  grpc_slice_unref(details);
  if (response != nullptr) grpc_byte_buffer_destroy(response);
  grpc_byte_buffer_destroy(buffer);
  grpc_metadata_array_destroy(&initial);
  grpc_metadata_array_destroy(&trailing);
  grpc_call_unref(call);
  grpc_channel_destroy(channel);
  grpc_channel_credentials_release(credentials);
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), nullptr).type !=
         GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  grpc_shutdown();
  return {status, text};
}

TEST(SatelliteHardeningTest, GrpcGzipBombIsRefusedBeforeItInflates) {
  SatelliteProcess satellite({"--transport", "grpc"});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  // A valid compressed report counts.
  const auto ok =
      export_raw(satellite.port(), gzip(otlp_proto(id_range(1, 10), {1, 1})), GRPC_COMPRESS_GZIP);
  ASSERT_EQ(ok.first, GRPC_STATUS_OK) << ok.second;
  // About 1 MB that inflates to 1 GiB: refused once 64 MiB have come out.
  const std::string bomb = gzip_of_zeros(1024 * kMiB);
  ASSERT_LT(bomb.size(), 8 * kMiB);
  const auto t0 = std::chrono::steady_clock::now();
  const auto refused = export_raw(satellite.port(), bomb, GRPC_COMPRESS_GZIP);
  EXPECT_EQ(refused.first, GRPC_STATUS_RESOURCE_EXHAUSTED) << refused.second;
  EXPECT_NE(refused.second.find("exceeds"), std::string::npos) << refused.second;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  ASSERT_TRUE(satellite.alive()) << satellite.exit_description();
  EXPECT_LT(satellite.peak_rss_bytes(), kRssBound);
  // A compressed message larger than the limit is refused unread.
  const auto big = export_raw(satellite.port(), std::string(65 * kMiB, 'x'), GRPC_COMPRESS_GZIP);
  EXPECT_EQ(big.first, GRPC_STATUS_RESOURCE_EXHAUSTED) << big.second;
  const auto plain =
      export_raw(satellite.port(), otlp_proto(id_range(100, 10), {1, 1}), GRPC_COMPRESS_NONE);
  EXPECT_EQ(plain.first, GRPC_STATUS_OK) << plain.second;
  EXPECT_EQ(satellite.spans_received(), 20u);
  EXPECT_LT(satellite.peak_rss_bytes(), kRssBound);
}

// HTTP/2 by hand: a gRPC call whose message declares 100 MB, sends 1,000
// bytes and stalls. Returns how long until the satellite ended the stream
// (HEADERS with END_STREAM, RST_STREAM or GOAWAY), or nullopt.
std::optional<std::chrono::milliseconds> stalled_grpc_call(uint16_t port,
                                                           std::chrono::seconds wait) {
  const int fd = connect_to(port);
  if (fd < 0) return std::nullopt;
  auto frame = [](uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
    std::string f;
    f += static_cast<char>((payload.size() >> 16) & 0xff);
    f += static_cast<char>((payload.size() >> 8) & 0xff);
    f += static_cast<char>(payload.size() & 0xff);
    f += static_cast<char>(type);
    f += static_cast<char>(flags);
    for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>((stream >> shift) & 0xff);
    return f + payload;
  };
  auto literal = [](const std::string& name, const std::string& value) {
    // Literal header field without indexing, new name, no Huffman coding.
    return std::string(1, '\0') + static_cast<char>(name.size()) + name +
           static_cast<char>(value.size()) + value;
  };
  const std::string headers = literal(":method", "POST") + literal(":scheme", "http") +
                              literal(":path", kExportMethod) + literal(":authority", "127.0.0.1") +
                              literal("content-type", "application/grpc") +
                              literal("te", "trailers");
  const uint32_t declared = 100'000'000;
  std::string message(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8)
    message += static_cast<char>((declared >> shift) & 0xff);
  message += std::string(1000, 'x');
  const std::string out = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + frame(4, 0, 0, "") +
                          frame(1, 4, 1, headers) + frame(0, 0, 1, message);
  const auto t0 = std::chrono::steady_clock::now();
  ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  std::string in;
  std::optional<std::chrono::milliseconds> ended;
  const auto until = t0 + wait;
  while (!ended && std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
    while (in.size() >= 9) {
      const size_t length = (static_cast<uint8_t>(in[0]) << 16) |
                            (static_cast<uint8_t>(in[1]) << 8) | static_cast<uint8_t>(in[2]);
      if (in.size() < 9 + length) break;
      const uint8_t type = static_cast<uint8_t>(in[3]);
      const uint8_t flags = static_cast<uint8_t>(in[4]);
      const uint32_t stream = (static_cast<uint32_t>(static_cast<uint8_t>(in[5]) & 0x7f) << 24) |
                              (static_cast<uint8_t>(in[6]) << 16) |
                              (static_cast<uint8_t>(in[7]) << 8) | static_cast<uint8_t>(in[8]);
      if (type == 4 && (flags & 1) == 0) {  // SETTINGS: acknowledge
        const std::string ack = frame(4, 1, 0, "");
        ::send(fd, ack.data(), ack.size(), MSG_NOSIGNAL);
      }
      if ((type == 1 && stream == 1 && (flags & 1) != 0) || (type == 3 && stream == 1) ||
          type == 7) {
        ended = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - t0);
      }
      in.erase(0, 9 + length);
    }
  }
  ::close(fd);
  return ended;
}

TEST(SatelliteHardeningTest, StalledGrpcMessageEndsAtTheReadTimeout) {
  SatelliteProcess satellite({"--transport", "grpc", "--read-timeout-ms", "1000"});
  ASSERT_TRUE(satellite.ready()) << satellite.stderr_text();
  const auto ended = stalled_grpc_call(satellite.port(), 10s);
  ASSERT_TRUE(ended) << "the satellite never ended a stalled call";
  EXPECT_GE(*ended, 900ms);
  EXPECT_LT(*ended, 4s);
  ASSERT_TRUE(satellite.alive()) << satellite.exit_description();
  const auto stats = nlohmann::json::parse(http_get(satellite.admin(), "/stats"));
  EXPECT_EQ(stats["per_protocol"]["otlp_grpc"]["rejected"], 1) << stats.dump();
  const auto plain =
      export_raw(satellite.port(), otlp_proto(id_range(1, 10), {1, 1}), GRPC_COMPRESS_NONE);
  EXPECT_EQ(plain.first, GRPC_STATUS_OK) << plain.second;
  EXPECT_EQ(satellite.spans_received(), 10u);
}

}  // namespace
}  // namespace spanbench::testing
