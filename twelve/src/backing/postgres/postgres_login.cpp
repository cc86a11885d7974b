#include "backing/postgres/postgres_login.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "backing/postgres/postgres_protocol.hpp"

namespace twelve::backing {
namespace {

using Binding = PostgresSettings::ChannelBinding;

constexpr std::string_view kPlus = "SCRAM-SHA-256-PLUS";
constexpr std::string_view kScram = "SCRAM-SHA-256";

Status Refused(std::string why) { return Status::Unavailable(std::move(why)); }

std::string UnsupportedMethod(std::int32_t code) {
  std::string method;
  switch (static_cast<pg::AuthCode>(code)) {
    case pg::AuthCode::kKerberosV5:
      method = "Kerberos V5";
      break;
    case pg::AuthCode::kGss:
    case pg::AuthCode::kGssContinue:
      method = "GSSAPI";
      break;
    case pg::AuthCode::kSspi:
      method = "SSPI";
      break;
    default:
      method = "an unknown kind of (" + std::to_string(code) + ")";
  }
  return "the server asks for " + method +
         " authentication, which this driver does not support; use "
         "scram-sha-256, md5 or password in pg_hba.conf";
}

std::string Joined(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view name : names) {
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

}  // namespace

PostgresLogin::PostgresLogin(std::string user, std::string password,
                             Binding channel_binding,
                             EndPointHash end_point_hash)
    : user_(std::move(user)),
      password_(std::move(password)),
      channel_binding_(channel_binding),
      end_point_hash_(std::move(end_point_hash)) {}

// A login is one request answered (a password, or SCRAM's two rounds) and
// then AuthenticationOk: a server that asks again, or skips a step, is
// refused, so it can neither keep an attempt busy (PBKDF2 per round) nor
// end SCRAM before proving it knows the password.
Status PostgresLogin::Answer(std::string_view body, std::string& out) {
  Result<pg::Authentication> auth = pg::DecodeAuthentication(body);
  if (!auth.ok()) return auth.status();
  if (done_) {
    return Refused(
        "the server sent an authentication request after AuthenticationOk");
  }
  const auto code = static_cast<pg::AuthCode>(auth->code);
  const bool first_request = code == pg::AuthCode::kCleartextPassword ||
                             code == pg::AuthCode::kMd5Password ||
                             code == pg::AuthCode::kSasl;
  if (first_request && asked_) {
    return Refused(
        "the server asked for authentication again after it was answered");
  }
  asked_ = asked_ || first_request;
  switch (code) {
    case pg::AuthCode::kOk:
      if (scram_) {
        return Refused(
            "the server accepted the login before SCRAM's final message, "
            "without proving it knows the password");
      }
      return Finish();
    case pg::AuthCode::kCleartextPassword:
      return AnswerPassword(false, {}, out);
    case pg::AuthCode::kMd5Password:
      return AnswerPassword(true, auth->data, out);
    case pg::AuthCode::kSasl:
      return StartScram(auth->data, out);
    case pg::AuthCode::kSaslContinue:
      return ContinueScram(auth->data, out);
    case pg::AuthCode::kSaslFinal: {
      if (!scram_ || !continued_) break;
      if (Status status = scram_->VerifyServerFinal(auth->data); !status.ok()) {
        return status;
      }
      bound_ = scram_->mechanism() == kPlus;
      scram_.reset();
      return Status::Ok();
    }
    default:
      return Refused(UnsupportedMethod(auth->code));
  }
  return Refused("the server sent a SASL message out of turn");
}

Status PostgresLogin::ContinueScram(std::string_view data, std::string& out) {
  if (!scram_) return Refused("the server sent a SASL message out of turn");
  if (continued_) {
    return Refused(
        "the server sent AuthenticationSASLContinue twice; SCRAM-SHA-256 "
        "has one round");
  }
  continued_ = true;
  Result<std::string> final_message = scram_->ClientFinalMessage(data);
  if (!final_message.ok()) return final_message.status();
  pg::AppendSaslResponse(out, *final_message);
  return Status::Ok();
}

Status PostgresLogin::AnswerPassword(bool md5, std::string_view salt,
                                     std::string& out) {
  if (channel_binding_ == Binding::kRequire) {
    return Refused(std::string("channel_binding=require, but the server "
                               "asks for a") +
                   (md5 ? "n MD5" : " cleartext") + " password");
  }
  if (password_.empty()) {
    return Refused("the server asks for a password, and the URL has none");
  }
  if (md5 && salt.size() != 4) {
    return Refused("postgres: malformed AuthenticationMD5Password");
  }
  pg::AppendPassword(
      out, md5 ? pg::Md5PasswordResponse(user_, password_, salt) : password_);
  return Status::Ok();
}

Status PostgresLogin::StartScram(std::string_view offered, std::string& out) {
  Result<std::vector<std::string_view>> mechanisms =
      pg::DecodeSaslMechanisms(offered);
  if (!mechanisms.ok()) return mechanisms.status();
  auto offers = [&](std::string_view name) {
    return std::find(mechanisms->begin(), mechanisms->end(), name) !=
           mechanisms->end();
  };
  bool tls = static_cast<bool>(end_point_hash_);
  bool may_bind = channel_binding_ != Binding::kDisable;
  pg::ScramChannelBinding binding;
  binding.client_supports = tls && may_bind;
  if (tls && may_bind && offers(kPlus)) {
    Result<std::string> hash = end_point_hash_();
    if (!hash.ok()) return hash.status();
    binding.server_end_point = std::move(*hash);
  } else if (channel_binding_ == Binding::kRequire) {
    return Refused(tls ? "channel_binding=require, but the server does not "
                         "offer SCRAM-SHA-256-PLUS"
                       : "channel_binding=require, but the server did not "
                         "agree to TLS");
  } else if (!offers(kScram)) {
    return Refused(
        "the server offers no SASL mechanism this driver "
        "supports (offered: " +
        Joined(*mechanisms) +
        "; supported: SCRAM-SHA-256, SCRAM-SHA-256-PLUS)");
  }
  if (password_.empty()) {
    return Refused("the server asks for a password, and the URL has none");
  }
  Result<std::string> nonce = pg::ScramSha256::RandomNonce();
  if (!nonce.ok()) return nonce.status();
  scram_ = std::make_unique<pg::ScramSha256>(password_, std::move(*nonce),
                                             std::move(binding));
  pg::AppendSaslInitialResponse(out, scram_->mechanism(),
                                scram_->ClientFirstMessage());
  return Status::Ok();
}

Status PostgresLogin::Finish() {
  if (channel_binding_ == Binding::kRequire && !bound_) {
    return Refused(
        "channel_binding=require, but the server authenticated the session "
        "without channel binding");
  }
  done_ = true;
  return Status::Ok();
}

}  // namespace twelve::backing
