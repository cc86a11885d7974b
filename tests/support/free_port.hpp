#pragma once
// FreePort: a loopback port nobody listens on now, for the servers tests
// start and for URLs that must be refused. Taken below the kernel's
// ephemeral range: a port the kernel picks (bind to port 0) comes from the
// range outgoing connections use, so a client socket of the test itself
// could take it before the server binds it. Each port is handed out once
// per process.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>

namespace twelve::test_support {

namespace free_port_detail {

// The first port of the ephemeral range (32768 by default).
inline int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return range >> low ? low : 32768;
}

// Binds `port` (0: the kernel's pick) on loopback; the port bound, or 0.
inline std::uint16_t TryBind(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  socklen_t length = sizeof(address);
  const bool ok =
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  return ok ? ntohs(address.sin_port) : 0;
}

}  // namespace free_port_detail

inline std::uint16_t FreePort() {
  static std::mutex mutex;
  static std::set<std::uint16_t> given;
  static std::mt19937 random{std::random_device{}()};
  std::lock_guard lock(mutex);
  const int low = free_port_detail::EphemeralLow();
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::uint16_t port = 0;  // the kernel's pick, if no range is left below
    if (low > 11000) {
      port = static_cast<std::uint16_t>(
          std::uniform_int_distribution<int>(10000, low - 1)(random));
    }
    if (given.count(port) != 0) continue;
    port = free_port_detail::TryBind(port);
    if (port == 0) continue;
    given.insert(port);
    return port;
  }
  throw std::runtime_error("cannot find a free port");
}

}  // namespace twelve::test_support
