#include "process/socket_owner.h"

#include <gtest/gtest.h>

namespace spanbench {
namespace {

// Captured from /proc/net/tcp and /proc/net/tcp6 on x86-64 (little-endian).
const char* kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 0100007F:1F58 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "44 1 000000001ca8f4ca 100 0 0 10 0\n"
    "   1: 0100007F:9C40 0100007F:1F58 01 00000000:00000000 00:00000000 00000000     0        0 "
    "5123 1 0000000000000000 20 4 30 10 -1\n"
    "   2: 0100007F:1F58 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 "
    "5124 1 0000000000000000 20 4 30 10 -1\n";
const char* kTcp6 =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0000000000000000FFFF00000100007F:A000 0000000000000000FFFF00000100007F:1F58 01 "
    "00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 0 10 -1\n"
    "   1: 00000000000000000000000001000000:A001 00000000000000000000000001000000:1F58 01 "
    "00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 20 4 0 10 -1\n";

TcpEndpoint ep(const std::string& ip, uint16_t port) { return *TcpEndpoint::parse(ip, port); }

TEST(SocketOwner, FindsTheInodeOfEachEndOfAConnection) {
  // Client 127.0.0.1:40000 connected to the server at 127.0.0.1:8024.
  EXPECT_EQ(find_tcp_socket_inode(kTcp, ep("127.0.0.1", 40000), ep("127.0.0.1", 8024)), 5123u);
  EXPECT_EQ(find_tcp_socket_inode(kTcp, ep("127.0.0.1", 8024), ep("127.0.0.1", 40000)), 5124u);
  EXPECT_FALSE(
      find_tcp_socket_inode(kTcp, ep("127.0.0.1", 40001), ep("127.0.0.1", 8024)).has_value());
  EXPECT_FALSE(
      find_tcp_socket_inode(kTcp, ep("127.0.0.2", 40000), ep("127.0.0.1", 8024)).has_value());
}

TEST(SocketOwner, ReadsIpv6AndMappedIpv4) {
  EXPECT_EQ(find_tcp_socket_inode(kTcp6, ep("127.0.0.1", 0xA000), ep("::ffff:127.0.0.1", 8024)),
            777u);
  EXPECT_EQ(find_tcp_socket_inode(kTcp6, ep("::1", 0xA001), ep("::1", 8024)), 778u);
}

TEST(SocketOwner, IgnoresGarbage) {
  EXPECT_FALSE(find_tcp_socket_inode("", ep("127.0.0.1", 1), ep("127.0.0.1", 2)).has_value());
  EXPECT_FALSE(
      find_tcp_socket_inode("0: zz:1 yy:2 01 0 0 0 0 0 9\n", ep("127.0.0.1", 1), ep("127.0.0.1", 2))
          .has_value());
  EXPECT_FALSE(TcpEndpoint::parse("localhost", 1).has_value());
}

}  // namespace
}  // namespace spanbench
