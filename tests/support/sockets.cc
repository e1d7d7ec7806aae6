#include "support/sockets.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <thread>

namespace spanbench::testing {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool bindable(uint16_t port, int type) {
  const int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return false;
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr = loopback(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int connect_to(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string read_until(int fd, std::string_view marker, std::chrono::milliseconds idle_timeout,
                       std::string in) {
  char buf[4096];
  while (in.find(marker) == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(idle_timeout.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  return in;
}

void send_datagram(uint16_t port, std::string_view bytes) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr = loopback(port);
  ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::close(fd);
}

PortBlock free_ports(size_t count) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> base_dist(20000, 60000 - static_cast<int>(count) - 2);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base = base_dist(rng);
    bool ok = true;
    for (size_t i = 0; i <= count && ok; ++i) {
      const auto port = static_cast<uint16_t>(base + static_cast<int>(i));
      ok = bindable(port, SOCK_STREAM) && bindable(port, SOCK_DGRAM);
    }
    if (!ok) continue;
    PortBlock block;
    for (size_t i = 0; i < count; ++i) block.ports.push_back(static_cast<uint16_t>(base + i));
    block.admin = static_cast<uint16_t>(base + count);
    return block;
  }
  throw std::runtime_error("no free port range found");
}

bool connect_refused(uint16_t port) {
  const int fd = connect_to(port);
  if (fd >= 0) {
    ::close(fd);
    return false;
  }
  return true;
}

RawResponse raw_exchange(uint16_t port, std::string_view bytes, bool half_close,
                         std::chrono::milliseconds timeout) {
  RawResponse response;
  const int fd = connect_to(port);
  if (fd < 0) return response;
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  if (half_close) ::shutdown(fd, SHUT_WR);

  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto parse = [&]() -> bool {
    while (true) {
      const size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      const std::string head = in.substr(0, end);
      const int status = std::atoi(head.c_str() + head.find(' ') + 1);
      if (status == 100) {
        response.interim_100 = true;
        in.erase(0, end + 4);
        continue;
      }
      size_t length = 0;
      std::string lower = head;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const size_t cl = lower.find("content-length:");
      if (cl != std::string::npos) length = std::stoul(lower.substr(cl + 15));
      if (in.size() < end + 4 + length) return false;
      response.status = status;
      response.headers = head;
      response.body = in.substr(end + 4, length);
      return true;
    }
  };
  char buf[65536];
  while (!parse()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return response;
}

ContinueExchange expect_continue_exchange(uint16_t port, std::string_view head,
                                          std::string_view body) {
  ContinueExchange exchange;
  const int fd = connect_to(port);
  if (fd < 0) return exchange;
  const auto t0 = std::chrono::steady_clock::now();
  ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  std::string in = read_until(fd, "\r\n\r\n", std::chrono::milliseconds(2000));
  if (in.rfind("HTTP/1.1 100", 0) == 0) {
    exchange.continue_after = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
  }
  ::send(fd, body.data(), body.size(), MSG_NOSIGNAL);
  in.erase(0, in.find("\r\n\r\n") + 4);
  in = read_until(fd, "\r\n\r\n", std::chrono::milliseconds(5000), std::move(in));
  if (const size_t end = in.find("\r\n\r\n"); end != std::string::npos) {
    exchange.final_response.status = std::atoi(in.c_str() + in.find(' ') + 1);
    exchange.final_response.headers = in.substr(0, end);
  }
  ::close(fd);
  return exchange;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

std::string http_get(uint16_t port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  auto result = client.Get(path);
  if (!result || result->status != 200) return "";
  return result->body;
}

}  // namespace spanbench::testing
