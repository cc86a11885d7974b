#include "backing/postgres/postgres_login.hpp"

#include <gtest/gtest.h>

#include <string>

#include "backing/postgres/postgres_auth.hpp"
#include "backing/postgres/postgres_protocol.hpp"

namespace twelve::backing {
namespace {

using Binding = PostgresSettings::ChannelBinding;

// An Authentication message's body: the code, then its data.
std::string Request(pg::AuthCode code, std::string_view data = {}) {
  auto value = static_cast<std::uint32_t>(code);
  std::string body;
  for (int shift = 24; shift >= 0; shift -= 8) {
    body.push_back(static_cast<char>((value >> shift) & 0xff));
  }
  return body.append(data);
}

// AuthenticationSASL's data: each mechanism, then an empty name.
std::string Mechanisms(std::initializer_list<std::string_view> names) {
  std::string data;
  for (std::string_view name : names) data.append(name).push_back('\0');
  data.push_back('\0');
  return data;
}

PostgresLogin::EndPointHash OverTls() {
  return [] { return Result<std::string>(std::string(32, '\x07')); };
}

std::string Error(PostgresLogin& login, const std::string& body) {
  std::string out;
  Status status = login.Answer(body, out);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(out.empty());
  return status.message();
}

// What the login answers to an AuthenticationSASL offering `mechanisms`.
std::string ScramStart(Binding binding, PostgresLogin::EndPointHash tls,
                       std::initializer_list<std::string_view> mechanisms) {
  PostgresLogin login("u", "secret", binding, std::move(tls));
  std::string out;
  Status status =
      login.Answer(Request(pg::AuthCode::kSasl, Mechanisms(mechanisms)), out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

TEST(PostgresLogin, SendsTheCleartextPasswordWhenAsked) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  std::string out;
  ASSERT_TRUE(
      login.Answer(Request(pg::AuthCode::kCleartextPassword), out).ok());
  std::string expected;
  pg::AppendPassword(expected, "secret");
  EXPECT_EQ(out, expected);
  EXPECT_FALSE(login.done());
  ASSERT_TRUE(login.Answer(Request(pg::AuthCode::kOk), out).ok());
  EXPECT_TRUE(login.done());
}

TEST(PostgresLogin, AnswersMd5WithTheSaltGiven) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  std::string out;
  ASSERT_TRUE(
      login.Answer(Request(pg::AuthCode::kMd5Password, "salt"), out).ok());
  std::string expected;
  pg::AppendPassword(expected, pg::Md5PasswordResponse("u", "secret", "salt"));
  EXPECT_EQ(out, expected);
}

TEST(PostgresLogin, Md5WithoutAFourByteSaltIsMalformed) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  EXPECT_NE(Error(login, Request(pg::AuthCode::kMd5Password, "abc"))
                .find("malformed AuthenticationMD5Password"),
            std::string::npos);
}

TEST(PostgresLogin, APasswordRequestWithoutPasswordSaysSo) {
  PostgresLogin cleartext("u", "", Binding::kPrefer, {});
  EXPECT_EQ(Error(cleartext, Request(pg::AuthCode::kCleartextPassword)),
            "the server asks for a password, and the URL has none");
  PostgresLogin md5("u", "", Binding::kPrefer, {});
  EXPECT_EQ(Error(md5, Request(pg::AuthCode::kMd5Password, "salt")),
            "the server asks for a password, and the URL has none");
  PostgresLogin login("u", "", Binding::kPrefer, {});
  EXPECT_EQ(
      Error(login, Request(pg::AuthCode::kSasl, Mechanisms({"SCRAM-SHA-256"}))),
      "the server asks for a password, and the URL has none");
}

TEST(PostgresLogin, ScramInPlainTextSaysItCannotBind) {
  std::string out = ScramStart(Binding::kPrefer, {}, {"SCRAM-SHA-256"});
  EXPECT_NE(out.find(std::string("SCRAM-SHA-256\0", 14)), std::string::npos);
  EXPECT_NE(out.find("n,,n=,r="), std::string::npos) << out;
}

TEST(PostgresLogin, ScramOverTlsBindsWhenTheServerOffersPlus) {
  std::string out = ScramStart(Binding::kPrefer, OverTls(),
                               {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"});
  EXPECT_NE(out.find(std::string("SCRAM-SHA-256-PLUS\0", 19)),
            std::string::npos);
  EXPECT_NE(out.find("p=tls-server-end-point,,n=,r="), std::string::npos);
}

TEST(PostgresLogin, ScramOverTlsWithoutPlusSaysItCouldBind) {
  std::string out = ScramStart(Binding::kPrefer, OverTls(), {"SCRAM-SHA-256"});
  EXPECT_NE(out.find("y,,n=,r="), std::string::npos) << out;
}

TEST(PostgresLogin, ChannelBindingDisableNeverBinds) {
  std::string out = ScramStart(Binding::kDisable, OverTls(),
                               {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"});
  EXPECT_NE(out.find("n,,n=,r="), std::string::npos) << out;
}

TEST(PostgresLogin, ChannelBindingRequireRefusesWhatCannotBind) {
  PostgresLogin plain("u", "secret", Binding::kRequire, {});
  EXPECT_EQ(
      Error(plain, Request(pg::AuthCode::kSasl, Mechanisms({"SCRAM-SHA-256"}))),
      "channel_binding=require, but the server did not agree to TLS");
  PostgresLogin no_plus("u", "secret", Binding::kRequire, OverTls());
  EXPECT_EQ(Error(no_plus,
                  Request(pg::AuthCode::kSasl, Mechanisms({"SCRAM-SHA-256"}))),
            "channel_binding=require, but the server does not offer "
            "SCRAM-SHA-256-PLUS");
  PostgresLogin md5("u", "secret", Binding::kRequire, OverTls());
  EXPECT_EQ(Error(md5, Request(pg::AuthCode::kMd5Password, "salt")),
            "channel_binding=require, but the server asks for an MD5 password");
  // A server (or someone in between) that lets the client in unasked.
  PostgresLogin trusted("u", "secret", Binding::kRequire, OverTls());
  EXPECT_EQ(Error(trusted, Request(pg::AuthCode::kOk)),
            "channel_binding=require, but the server authenticated the "
            "session without channel binding");
  EXPECT_FALSE(trusted.done());
}

TEST(PostgresLogin, NamesWhatTheServerOffersWhenNoneIsSupported) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  std::string message = Error(
      login, Request(pg::AuthCode::kSasl, Mechanisms({"SCRAM-SHA-1", "X"})));
  EXPECT_NE(message.find("offered: SCRAM-SHA-1, X"), std::string::npos)
      << message;
}

TEST(PostgresLogin, RefusesMethodsItDoesNotSpeakByName) {
  PostgresLogin kerberos("u", "secret", Binding::kPrefer, {});
  EXPECT_NE(Error(kerberos, Request(pg::AuthCode::kKerberosV5))
                .find("asks for Kerberos V5 authentication"),
            std::string::npos);
  PostgresLogin gss("u", "secret", Binding::kPrefer, {});
  EXPECT_NE(Error(gss, Request(pg::AuthCode::kGss)).find("GSSAPI"),
            std::string::npos);
}

TEST(PostgresLogin, SaslMessagesOutOfTurnAreRefused) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  EXPECT_EQ(Error(login, Request(pg::AuthCode::kSaslContinue, "r=x")),
            "the server sent a SASL message out of turn");
}

// A SCRAM login past the server's first message (one iteration, to be
// quick).
void ContinueScram(PostgresLogin& login) {
  std::string out;
  ASSERT_TRUE(
      login
          .Answer(Request(pg::AuthCode::kSasl, Mechanisms({"SCRAM-SHA-256"})),
                  out)
          .ok());
  const std::string nonce = out.substr(out.find("r=") + 2);
  out.clear();
  ASSERT_TRUE(login
                  .Answer(Request(pg::AuthCode::kSaslContinue,
                                  "r=" + nonce + "srv,s=QSXCR+Q6sek8bf92,i=1"),
                          out)
                  .ok());
}

TEST(PostgresLogin, AnswersOnePasswordRequestOnly) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  std::string out;
  ASSERT_TRUE(
      login.Answer(Request(pg::AuthCode::kCleartextPassword), out).ok());
  const std::string again =
      "the server asked for authentication again after it was answered";
  EXPECT_EQ(Error(login, Request(pg::AuthCode::kCleartextPassword)), again);
  EXPECT_EQ(Error(login, Request(pg::AuthCode::kMd5Password, "salt")), again);
  EXPECT_EQ(
      Error(login, Request(pg::AuthCode::kSasl, Mechanisms({"SCRAM-SHA-256"}))),
      again);
}

TEST(PostgresLogin, RequestAfterAuthenticationOkIsRefused) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  std::string out;
  ASSERT_TRUE(login.Answer(Request(pg::AuthCode::kOk), out).ok());
  EXPECT_EQ(Error(login, Request(pg::AuthCode::kCleartextPassword)),
            "the server sent an authentication request after AuthenticationOk");
  EXPECT_EQ(Error(login, Request(pg::AuthCode::kOk)),
            "the server sent an authentication request after AuthenticationOk");
}

TEST(PostgresLogin, SecondSaslContinueIsRefused) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  ContinueScram(login);
  EXPECT_EQ(Error(login, Request(pg::AuthCode::kSaslContinue, "r=x")),
            "the server sent AuthenticationSASLContinue twice; "
            "SCRAM-SHA-256 has one round");
}

TEST(PostgresLogin, AuthenticationOkBeforeScramsFinalMessageIsRefused) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  ContinueScram(login);
  EXPECT_EQ(Error(login, Request(pg::AuthCode::kOk)),
            "the server accepted the login before SCRAM's final message, "
            "without proving it knows the password");
  EXPECT_FALSE(login.done());
}

TEST(PostgresLogin, SaslFinalBeforeSaslContinueIsRefused) {
  PostgresLogin login("u", "secret", Binding::kPrefer, {});
  std::string out;
  ASSERT_TRUE(
      login
          .Answer(Request(pg::AuthCode::kSasl, Mechanisms({"SCRAM-SHA-256"})),
                  out)
          .ok());
  EXPECT_EQ(Error(login, Request(pg::AuthCode::kSaslFinal, "v=x")),
            "the server sent a SASL message out of turn");
}

}  // namespace
}  // namespace twelve::backing
