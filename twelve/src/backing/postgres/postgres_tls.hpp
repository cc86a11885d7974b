#pragma once
// TlsSession: TLS on a PostgreSQL connection's socket, with OpenSSL loaded
// on demand (openssl_library.hpp): a process whose server never agrees to
// TLS, or whose URL says sslmode=disable, never maps libssl.
//
// The socket is the caller's: connected, non-blocking, the SSLRequest
// already answered 'S'. The session never waits: each call does what it can
// and says what it needs (readable or writable) to go on; the caller waits
// for that with its own event loop and calls again.
//
// Verification follows libpq's sslmode: kNone (prefer, require) encrypts
// without checking the certificate; kCa checks the chain against root_cert;
// kFull also checks that the certificate names `host` (DNS name or IP
// address, as libpq does). Errors are kUnavailable and say what failed:
// "postgres: TLS: certificate verify failed: self-signed certificate", or
// which file could not be read; never a key's content.
//
// Threading: one session belongs to one connection's loop.

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "twelve/status.hpp"

namespace twelve::backing::pg {

struct TlsSettings {
  enum class Verify { kNone, kCa, kFull };
  Verify verify = Verify::kNone;
  std::string host;       // sent as SNI when a DNS name; checked by kFull
  std::string root_cert;  // PEM file of trusted CAs; required by kCa, kFull
  std::string cert;       // client certificate (PEM file), optional
  std::string key;        // its private key (PEM file), required with cert
  std::string crl;        // PEM file of revoked certificates, optional
};

class TlsSession {
 public:
  // What the session needs before the call can make progress.
  enum class Want { kNothing, kRead, kWrite };
  struct Io {
    std::size_t bytes = 0;  // moved by this call
    Want want = Want::kNothing;
    bool closed = false;  // the server closed the TLS session (Read only)
  };

  // Loads libssl (once per process), builds the client context from
  // `settings` (reading its files now) and attaches it to `fd`.
  static Result<std::unique_ptr<TlsSession>> Start(int fd,
                                                   const TlsSettings& settings);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // kNothing: the handshake is done (and the certificate verified as
  // asked); else call again when the socket is ready for `want`.
  Result<Want> Handshake();
  // Decrypted bytes into `into`: bytes > 0, or want (nothing decrypted
  // now), or closed. Call until want != kNothing before waiting on the
  // socket: OpenSSL may hold decrypted bytes the socket no longer shows.
  Result<Io> Read(std::span<char> into);
  // Encrypts and sends part or all of `from`: bytes > 0, or want. After a
  // want, call again with the same bytes (OpenSSL requires it).
  Result<Io> Write(std::span<const char> from);
  // The tls-server-end-point channel binding (RFC 5929): the hash of the
  // server's certificate, with SHA-256 when its signature uses MD5 or SHA-1,
  // else with the signature's own hash. After the handshake only.
  Result<std::string> ServerEndPointHash() const;

 private:
  struct Impl;
  explicit TlsSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace twelve::backing::pg
