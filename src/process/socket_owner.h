#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spanbench {

// One end of a TCP connection: an IPv6 address (IPv4 as ::ffff:a.b.c.d)
// and a port.
struct TcpEndpoint {
  std::array<uint8_t, 16> address = {};
  uint16_t port = 0;
  // From "127.0.0.1", "::1", "::ffff:127.0.0.1"; nullopt if not an address.
  static std::optional<TcpEndpoint> parse(const std::string& ip, uint16_t port);
  bool operator==(const TcpEndpoint&) const = default;
};

// The inode of the socket whose local end is `local` and remote end
// `remote`, in the text of /proc/net/tcp or /proc/net/tcp6. No I/O.
std::optional<uint64_t> find_tcp_socket_inode(std::string_view proc_net_tcp_text,
                                              const TcpEndpoint& local, const TcpEndpoint& remote);

// The same, asked of the kernel (sock_diag) in this process's network
// namespace; /proc/net/tcp and tcp6 where sock_diag is unavailable.
std::optional<uint64_t> tcp_socket_inode(const TcpEndpoint& local, const TcpEndpoint& remote);

// True if `root` or any process descending from it has the socket with
// this inode among its open descriptors (/proc/PID/fd -> socket:[inode]).
bool process_tree_holds_socket(pid_t root, uint64_t inode);

// Who holds the socket at the other end of a connection a server accepted
// (its `peer`, connected to the server's `local`)? True when that socket
// belongs to `root`'s process tree. A local process cannot fake this: the
// kernel says which process holds which socket.
bool peer_belongs_to_tree(const TcpEndpoint& server_local, const TcpEndpoint& peer, pid_t root);

}  // namespace spanbench
