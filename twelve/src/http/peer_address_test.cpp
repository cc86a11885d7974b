#include "http/peer_address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

namespace twelve::http {
namespace {

sockaddr_storage V4(const char* address, std::uint16_t port) {
  sockaddr_storage storage{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(storage);
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  ::inet_pton(AF_INET, address, &v4.sin_addr);
  return storage;
}

sockaddr_storage V6(const char* address, std::uint16_t port) {
  sockaddr_storage storage{};
  auto& v6 = reinterpret_cast<sockaddr_in6&>(storage);
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  ::inet_pton(AF_INET6, address, &v6.sin6_addr);
  return storage;
}

TEST(PeerAddressTest, Ipv4IsAddressColonPort) {
  PeerAddressText text;
  EXPECT_EQ(FormatPeerAddress(V4("127.0.0.1", 40436), text), "127.0.0.1:40436");
}

TEST(PeerAddressTest, Ipv6IsBracketed) {
  PeerAddressText text;
  EXPECT_EQ(FormatPeerAddress(V6("::1", 8080), text), "[::1]:8080");
}

TEST(PeerAddressTest, TheLongestIpv6AddressFits) {
  PeerAddressText text;
  EXPECT_EQ(FormatPeerAddress(
                V6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535), text),
            "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

TEST(PeerAddressTest, AnotherFamilyIsADash) {
  sockaddr_storage storage{};
  storage.ss_family = AF_UNIX;
  PeerAddressText text;
  EXPECT_EQ(FormatPeerAddress(storage, text), "-");
}

}  // namespace
}  // namespace twelve::http
