#include "backing/postgres/postgres_transport.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace twelve::backing {
namespace {

Status SystemError(const char* what) {
  return Status::Unavailable(std::string(what) + ": " + std::strerror(errno));
}

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

}  // namespace

Result<PostgresTransport::Io> PostgresTransport::Read(std::span<char> into) {
  if (tls_) return tls_->Read(into);
  for (;;) {
    ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
    if (n > 0) return Io{.bytes = static_cast<std::size_t>(n)};
    if (n == 0) return Io{.closed = true};
    if (errno == EINTR) continue;
    if (WouldBlock()) return Io{.want = Want::kRead};
    return SystemError("cannot receive");
  }
}

Result<PostgresTransport::Io> PostgresTransport::Write(
    std::span<const char> from) {
  if (tls_) return tls_->Write(from);
  for (;;) {
    // MSG_NOSIGNAL: a closed connection is an error value, not SIGPIPE.
    ssize_t n = ::send(fd_, from.data(), from.size(), MSG_NOSIGNAL);
    if (n >= 0) return Io{.bytes = static_cast<std::size_t>(n)};
    if (errno == EINTR) continue;
    if (WouldBlock()) return Io{.want = Want::kWrite};
    return SystemError("cannot send");
  }
}

}  // namespace twelve::backing
