#include "http/peer_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstdint>
#include <cstring>

namespace twelve::http {

std::string_view FormatPeerAddress(const sockaddr_storage& peer,
                                   PeerAddressText& out) {
  char* p = out;
  char* const end = out + sizeof out;
  std::uint16_t port = 0;
  if (peer.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(peer);
    if (!::inet_ntop(AF_INET, &v4.sin_addr, p, INET_ADDRSTRLEN)) return "-";
    p += std::strlen(p);
    port = ntohs(v4.sin_port);
  } else if (peer.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(peer);
    *p++ = '[';
    if (!::inet_ntop(AF_INET6, &v6.sin6_addr, p, INET6_ADDRSTRLEN)) return "-";
    p += std::strlen(p);
    *p++ = ']';
    port = ntohs(v6.sin6_port);
  } else {
    return "-";
  }
  *p++ = ':';
  p = std::to_chars(p, end, port).ptr;
  return std::string_view(out, static_cast<std::size_t>(p - out));
}

}  // namespace twelve::http
