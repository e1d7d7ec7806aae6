#include "process/socket_owner.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/file_io.h"
#include "process/process_tree.h"

namespace spanbench {

std::optional<TcpEndpoint> TcpEndpoint::parse(const std::string& ip, uint16_t port) {
  TcpEndpoint e;
  e.port = port;
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    e.address[10] = 0xff;
    e.address[11] = 0xff;
    memcpy(e.address.data() + 12, &v4, 4);
    return e;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    memcpy(e.address.data(), &v6, 16);
    return e;
  }
  return std::nullopt;
}

namespace {

// "0100007F:1F58" (IPv4) or 32 hex digits then ":PORT" (IPv6). The kernel
// prints each 32-bit word of the address as a number in host byte order,
// so copying the parsed words back into memory restores the bytes.
std::optional<TcpEndpoint> parse_proc_endpoint(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view addr = text.substr(0, colon), port = text.substr(colon + 1);
  if (addr.size() != 8 && addr.size() != 32) return std::nullopt;
  TcpEndpoint e;
  uint8_t* out = addr.size() == 8 ? e.address.data() + 12 : e.address.data();
  if (addr.size() == 8) e.address[10] = e.address[11] = 0xff;
  for (size_t i = 0; i < addr.size(); i += 8) {
    uint32_t word = 0;
    auto [end, ec] = std::from_chars(addr.data() + i, addr.data() + i + 8, word, 16);
    if (ec != std::errc() || end != addr.data() + i + 8) return std::nullopt;
    memcpy(out + i / 2, &word, 4);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p, 16);
  if (ec != std::errc() || end != port.data() + port.size() || p > 0xffff) return std::nullopt;
  e.port = static_cast<uint16_t>(p);
  return e;
}

}  // namespace

std::optional<uint64_t> find_tcp_socket_inode(std::string_view text, const TcpEndpoint& local,
                                              const TcpEndpoint& remote) {
  // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::string_view fields[10];
    size_t n = 0;
    while (n < 10) {
      auto start = line.find_first_not_of(' ');
      if (start == std::string_view::npos) break;
      line = line.substr(start);
      auto end = line.find(' ');
      fields[n++] = line.substr(0, end);
      line = end == std::string_view::npos ? std::string_view() : line.substr(end);
    }
    if (n < 10) continue;
    auto l = parse_proc_endpoint(fields[1]);
    auto r = parse_proc_endpoint(fields[2]);
    if (!l || !r || !(*l == local) || !(*r == remote)) continue;
    uint64_t inode = 0;
    auto [end, ec] =
        std::from_chars(fields[9].data(), fields[9].data() + fields[9].size(), inode, 10);
    if (ec == std::errc() && inode != 0) return inode;
  }
  return std::nullopt;
}

namespace {

enum class Lookup { kFound, kNotFound, kUnsupported };

// Asks the kernel for exactly one socket by its four-tuple (sock_diag, as
// `ss` does): microseconds, where reading /proc/net/tcp walks every bucket
// of the TCP hash table (milliseconds).
Lookup diag_lookup(int family, const TcpEndpoint& local, const TcpEndpoint& remote,
                   uint64_t& inode) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return Lookup::kUnsupported;
  timeval tv = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } msg = {};
  msg.header.nlmsg_len = sizeof(msg);
  msg.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.header.nlmsg_flags = NLM_F_REQUEST;
  msg.request.sdiag_family = static_cast<uint8_t>(family);
  msg.request.sdiag_protocol = IPPROTO_TCP;
  msg.request.idiag_states = ~0u;
  msg.request.id.idiag_sport = htons(local.port);
  msg.request.id.idiag_dport = htons(remote.port);
  size_t offset = family == AF_INET ? 12 : 0;
  memcpy(msg.request.id.idiag_src, local.address.data() + offset, 16 - offset);
  memcpy(msg.request.id.idiag_dst, remote.address.data() + offset, 16 - offset);
  msg.request.id.idiag_cookie[0] = msg.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  Lookup result = Lookup::kUnsupported;
  if (sendto(fd, &msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) ==
      ssize_t(sizeof(msg))) {
    alignas(nlmsghdr) char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); n > 0 && NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<nlmsgerr*>(NLMSG_DATA(h));
        result = err->error == -ENOENT ? Lookup::kNotFound : Lookup::kUnsupported;
        break;
      }
      if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
        inode = static_cast<inet_diag_msg*>(NLMSG_DATA(h))->idiag_inode;
        result = Lookup::kFound;
        break;
      }
    }
  }
  close(fd);
  return result;
}

bool is_v4_mapped(const TcpEndpoint& e) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(e.address.data(), prefix, 12) == 0;
}

}  // namespace

std::optional<uint64_t> tcp_socket_inode(const TcpEndpoint& local, const TcpEndpoint& remote) {
  uint64_t inode = 0;
  bool unsupported = false;
  // An IPv4 connection is an AF_INET socket, or an AF_INET6 one speaking to
  // a mapped address.
  if (is_v4_mapped(local) && is_v4_mapped(remote)) {
    Lookup l = diag_lookup(AF_INET, local, remote, inode);
    if (l == Lookup::kFound) return inode;
    unsupported = l == Lookup::kUnsupported;
  }
  Lookup l = diag_lookup(AF_INET6, local, remote, inode);
  if (l == Lookup::kFound) return inode;
  if (!unsupported && l == Lookup::kNotFound) return std::nullopt;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    if (auto found = find_tcp_socket_inode(try_read_file(table).value_or(""), local, remote))
      return found;
  }
  return std::nullopt;
}

namespace {

bool process_holds_socket(pid_t pid, const std::string& link) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return false;
  bool found = false;
  char target[64];
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string path = dir + "/" + e->d_name;
    ssize_t n = readlink(path.c_str(), target, sizeof(target));
    if (n > 0 && std::string_view(target, size_t(n)) == link) {
      found = true;
      break;
    }
  }
  closedir(d);
  return found;
}

}  // namespace

bool process_tree_holds_socket(pid_t root, uint64_t inode) {
  std::string link = "socket:[" + std::to_string(inode) + "]";
  if (process_holds_socket(root, link)) return true;
  for (pid_t p : process_descendants(root)) {
    if (process_holds_socket(p, link)) return true;
  }
  return false;
}

bool peer_belongs_to_tree(const TcpEndpoint& server_local, const TcpEndpoint& peer, pid_t root) {
  // The peer's socket: its local end is our peer, its remote end is us.
  auto inode = tcp_socket_inode(peer, server_local);
  return inode && process_tree_holds_socket(root, *inode);
}

}  // namespace spanbench
