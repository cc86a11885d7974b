#pragma once
// The text of a client's address, as the access log and request logs show
// it: "127.0.0.1:40436" or "[::1]:40436"; "-" for another family. Written
// into the caller's buffer once per connection, with no allocation.

#include <sys/socket.h>

#include <string_view>

namespace twelve::http {

// Room for the longest form: "[" + an IPv6 address + "]:" + a port.
using PeerAddressText = char[64];

// Writes `peer` into `out` and returns a view of it.
std::string_view FormatPeerAddress(const sockaddr_storage& peer,
                                   PeerAddressText& out);

}  // namespace twelve::http
