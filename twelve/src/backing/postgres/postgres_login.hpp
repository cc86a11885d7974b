#pragma once
// PostgresLogin: the client's side of one session's authentication, as
// values. Given each Authentication request the server sends, it appends
// the answer to the output (cleartext, MD5 or SCRAM-SHA-256, with channel
// binding over TLS as channel_binding allows) or says why the session
// cannot go on: a method this driver does not speak, a password the URL
// lacks, channel_binding=require unmet, a server that fails to prove it
// knows the password, or one that asks again (a login answers one request,
// or SCRAM's two rounds, so a server cannot keep it computing). No I/O:
// PostgresConnection sends what it appends.
//
// Errors are kUnavailable; none holds the password.
//
// Threading: none; one login belongs to one connection attempt.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "backing/postgres/postgres_auth.hpp"
#include "backing/postgres/postgres_settings.hpp"
#include "twelve/status.hpp"

namespace twelve::backing {

class PostgresLogin {
 public:
  // The tls-server-end-point hash of the server's certificate
  // (TlsSession::ServerEndPointHash), asked for only when channel binding
  // is used; empty when the session is in plain text.
  using EndPointHash = std::function<Result<std::string>()>;

  PostgresLogin(std::string user, std::string password,
                PostgresSettings::ChannelBinding channel_binding,
                EndPointHash end_point_hash);

  // Answers one Authentication message (its body). OK while the exchange
  // goes on, and once done().
  Status Answer(std::string_view body, std::string& out);
  // The server sent AuthenticationOk, as channel_binding required.
  bool done() const { return done_; }

 private:
  Status AnswerPassword(bool md5, std::string_view salt, std::string& out);
  Status StartScram(std::string_view offered, std::string& out);
  Status ContinueScram(std::string_view data, std::string& out);
  Status Finish();

  std::string user_;
  std::string password_;
  PostgresSettings::ChannelBinding channel_binding_;
  EndPointHash end_point_hash_;
  std::unique_ptr<pg::ScramSha256> scram_;
  bool asked_ = false;      // a password or SASL request came (and no more may)
  bool continued_ = false;  // SCRAM's one round came
  bool bound_ = false;      // SCRAM with channel binding authenticated us
  bool done_ = false;
};

}  // namespace twelve::backing
