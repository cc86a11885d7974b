#pragma once
// PostgresTransport: the bytes of one PostgreSQL connection's socket, in
// plain text or, once UseTls has been called, through TLS, with one
// contract for both: each call moves what it can now and says what it needs
// (the socket readable or writable) to go on. It never waits, never raises
// SIGPIPE, and does not own the socket.
//
// Threading: the connection's loop.

#include <memory>
#include <span>

#include "backing/postgres/postgres_tls.hpp"
#include "twelve/status.hpp"

namespace twelve::backing {

class PostgresTransport {
 public:
  using Want = pg::TlsSession::Want;
  using Io = pg::TlsSession::Io;

  // `fd`: connected and non-blocking.
  explicit PostgresTransport(int fd) : fd_(fd) {}

  // From now on, bytes go through `tls` (whose handshake the caller runs
  // before reading or writing).
  void UseTls(std::unique_ptr<pg::TlsSession> tls) { tls_ = std::move(tls); }
  // The TLS session, or null in plain text.
  pg::TlsSession* tls() const { return tls_.get(); }

  // Received bytes into `into` (bytes > 0), or want, or closed by the
  // server; an error (kUnavailable) says why.
  Result<Io> Read(std::span<char> into);
  // Sends part or all of `from` (bytes > 0), or want. After a want, call
  // again with the same bytes first (TLS requires it).
  Result<Io> Write(std::span<const char> from);

 private:
  int fd_;
  std::unique_ptr<pg::TlsSession> tls_;
};

}  // namespace twelve::backing
