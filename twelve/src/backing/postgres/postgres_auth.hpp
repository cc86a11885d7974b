#pragma once
// The password exchanges a PostgreSQL server may ask for, computed with
// nettle: MD5 (the legacy "md5" method) and SCRAM-SHA-256 (RFC 5802 and
// RFC 7677, PostgreSQL's default since 14), with or without channel binding
// (SCRAM-SHA-256-PLUS, tls-server-end-point, RFC 5929). Cleartext needs
// nothing computed: the password itself is sent.
//
// Errors: a server message that does not follow the RFC, or a server that
// cannot prove it knows the password, is kUnavailable with a message that
// starts "postgres: SCRAM" and says what was wrong; never the password.
//
// Passwords are used as bytes: SASLprep (RFC 4013) normalisation is not
// applied, which matters only for non-ASCII passwords that normalise to
// something else (the server normalises them when it stores them).
//
// Threading: none; a ScramSha256 belongs to one connection attempt.

#include <string>
#include <string_view>

#include "twelve/status.hpp"

namespace twelve::backing::pg {

// The answer to AuthenticationMD5Password:
// "md5" + hex(md5(hex(md5(password + user)) + salt)).
std::string Md5PasswordResponse(std::string_view user,
                                std::string_view password,
                                std::string_view salt);

// Where the client stands on channel binding (RFC 5802's gs2 header).
struct ScramChannelBinding {
  // The tls-server-end-point hash of the server's certificate
  // (TlsSession::ServerEndPointHash): bind the exchange to it
  // (SCRAM-SHA-256-PLUS, "p=tls-server-end-point").
  std::string server_end_point;
  // Without a hash: true when the client could have bound (the session
  // is TLS) but the server offered no -PLUS. Said as "y" rather than
  // "n", so that a server which does support it sees the downgrade
  // (someone between them removed -PLUS from its offer).
  bool client_supports = false;
};

// One SCRAM-SHA-256 exchange, client side:
//   ClientFirstMessage() -> SASLInitialResponse
//   ClientFinalMessage(AuthenticationSASLContinue data) -> SASLResponse
//   VerifyServerFinal(AuthenticationSASLFinal data)
class ScramSha256 {
 public:
  // `nonce`: printable ASCII without ',' (RandomNonce() outside tests).
  // `user`: the SCRAM "n=" name. PostgreSQL ignores it (the startup message
  // names the user) and libpq sends it empty; RFC 7677's example uses "user".
  ScramSha256(std::string password, std::string nonce,
              ScramChannelBinding binding = {}, std::string user = {});
  ~ScramSha256();  // wipes the password and the derived keys

  // 18 random bytes (getrandom), base64: what libpq sends. kUnavailable
  // when the kernel gives none (ENOSYS before Linux 3.17, or a seccomp
  // filter that refuses the call): the login fails, the process does not.
  static Result<std::string> RandomNonce();

  // "SCRAM-SHA-256-PLUS" with channel binding, else "SCRAM-SHA-256".
  std::string_view mechanism() const;
  // "n,,n=,r=<nonce>" (or "y,,..." or "p=tls-server-end-point,,...").
  std::string ClientFirstMessage() const;
  // Checks the server's first message (its nonce must extend ours; the
  // salt must be base64; the iteration count a positive integer no larger
  // than kMaxIterations) and returns the client's final message with its
  // proof.
  Result<std::string> ClientFinalMessage(std::string_view server_first);
  // Checks the server's signature ("v=...") in constant time; "e=..." is
  // the server's refusal, reported with its reason.
  Status VerifyServerFinal(std::string_view server_final) const;

  // PBKDF2 runs on the connection's I/O thread, whose HTTP requests wait
  // meanwhile, so the server's count is bounded by the stall it may cause.
  // PostgreSQL's default (scram_iterations, fixed before 16) is 4096.
  // Measured with nettle on the 2-core build machine, under load: 4096
  // rounds 0.5 ms, 100,000 about 12-16 ms, 1,000,000 120-140 ms, and
  // 10,000,000 (the earlier bound) 1.3 s. 100,000 (24 times the default)
  // keeps a login's stall near that of one slow request, once per
  // connection attempt (attempts are spaced by the backoff). A server set
  // higher is refused, saying this limit.
  static constexpr long kMaxIterations = 100'000;

 private:
  std::string password_;
  std::string nonce_;
  std::string gs2_header_;       // "n,,", "y,," or "p=tls-server-end-point,,"
  std::string channel_binding_;  // the server's end point hash, or empty
  std::string client_first_bare_;
  std::string server_signature_;  // expected, set by ClientFinalMessage
};

}  // namespace twelve::backing::pg
