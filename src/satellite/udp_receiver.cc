#include "satellite/udp_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace spanbench::satellite {
namespace {

constexpr size_t kMaxDatagramBytes = 65536;
constexpr int kReceiveBufferBytes = 32 << 20;

}  // namespace

UdpReceiver::UdpReceiver(const SatelliteOptions& options, uint16_t port, ReportIngestor& ingestor,
                         BandwidthLimiter& limiter)
    : options_(options), port_(port), ingestor_(ingestor), limiter_(limiter) {}

UdpReceiver::~UdpReceiver() { stop(); }

void UdpReceiver::start() {
  if (fd_ >= 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (::inet_pton(AF_INET, options_.host.c_str(), &addr.sin_addr) != 1) {
    throw Error("UDP receiver: '" + options_.host + "' is not an IPv4 address");
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(std::string("UDP socket: ") + std::strerror(errno));
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  // Tracers send in bursts at flush time; the default buffer (~200 KiB)
  // drops datagrams a moment's scheduling delay would otherwise absorb.
  // SO_RCVBUF is capped at net.core.rmem_max (often 4 MiB); as root,
  // SO_RCVBUFFORCE gets the full size.
  int rcvbuf = kReceiveBufferBytes;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    throw PortInUseError(PortInUseError::Kind::kSatellite, port_,
                         "cannot listen on " + options_.host + ":" + std::to_string(port_) +
                             " (UDP): " + std::strerror(err));
  }
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    ::close(fd);
    throw Error(std::string("eventfd: ") + std::strerror(errno));
  }
  fd_ = fd;
  wake_fd_ = wake;
  stopping_.store(false);
  thread_ = std::thread([this] { receive_loop(); });
}

void UdpReceiver::stop() {
  if (fd_ < 0) return;
  stopping_.store(true);
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  ::close(wake_fd_);
  fd_ = wake_fd_ = -1;
}

void UdpReceiver::receive_loop() {
  auto buffer = std::make_unique<char[]>(kMaxDatagramBytes);
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  while (true) {
    const int r = ::poll(fds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    // Drain what is queued before polling again.
    while (!stopping_.load(std::memory_order_relaxed)) {
      const ssize_t n = ::recv(fd_, buffer.get(), kMaxDatagramBytes, MSG_DONTWAIT);
      if (n < 0) break;
      const int64_t received = realtime_now_nanos();
      const size_t size = static_cast<size_t>(n);
      if (limiter_.limited() && !ingestor_.interrupter().sleep_for(limiter_.reserve(size))) {
        return;
      }
      if (size > options_.max_body_bytes) {
        ingestor_.count_rejected(Protocol::kJaegerAgent);
        continue;
      }
      const IngestResult result = ingestor_.ingest(
          Protocol::kJaegerAgent, std::string_view(buffer.get(), size), size, received);
      if (result.outcome == IngestOutcome::kInterrupted) return;
    }
  }
}

}  // namespace spanbench::satellite
