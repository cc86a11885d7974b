// The PostgreSQL driver reaching a real server: TLS as sslmode says,
// every login method, channel binding, target_session_attrs, startup
// options.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "backing/postgres/postgres_store_test_fixture.hpp"

namespace twelve::backing {
namespace {

using test::kDatabase;
using test::PostgresServer;
class PostgresSessionTest : public test::PostgresStoreTest {};

using Login = PostgresServer::Login;

std::string With(const std::string& url, std::string_view parameters) {
  return url + "?" + std::string(parameters);
}

TEST_F(PostgresSessionTest, PreferSpeaksTlsWhenTheServerOffersIt) {
  OpenReady(Url());
  ASSERT_TRUE(Add("tls", 1).ok());
  EXPECT_EQ(sink_.Count("\"tls\":true"), 1) << sink_.All();
}

TEST_F(PostgresSessionTest, DisableSpeaksPlainText) {
  OpenReady(With(Url(), "sslmode=disable"));
  ASSERT_TRUE(Add("plain", 1).ok());
  EXPECT_EQ(sink_.Count("\"tls\":false"), 1) << sink_.All();
}

TEST_F(PostgresSessionTest, VerifyFullAcceptsTheServersCertificate) {
  OpenReady(
      With(Url(), "sslmode=verify-full&sslrootcert=" + server_->ca_file()));
  EXPECT_TRUE(Add("verified", 1).ok());
}

TEST_F(PostgresSessionTest, VerifyCaRefusesACertificateOfAnotherCa) {
  sql::Client& store = Open(
      With(Url(), "sslmode=verify-ca&sslrootcert=" + server_->other_ca_file()));
  Status status = Add("unverified", 1).status();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("certificate verify failed"),
            std::string::npos)
      << status.message();
  EXPECT_FALSE(store.Ready());
}

TEST_F(PostgresSessionTest, RefusesAServerWhoseCertificateIsRevoked) {
  sql::Client& store =
      Open(With(Url(), "sslmode=verify-full&sslrootcert=" + server_->ca_file() +
                           "&sslcrl=" + server_->server_revoked_crl_file()));
  Status status = Add("revoked", 1).status();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("certificate revoked"), std::string::npos)
      << status.message();
  EXPECT_FALSE(store.Ready());
}

TEST_F(PostgresSessionTest, PresentsItsClientCertificate) {
  OpenReady(With(Url(), "application_name=twelve-cert&sslcert=" +
                            server_->client_cert_file() +
                            "&sslkey=" + server_->client_key_file()));
  ASSERT_TRUE(Add("cert", 1).ok());
  EXPECT_EQ(server_->QueryValue(
                "postgres",
                "SELECT s.client_dn FROM pg_stat_ssl s JOIN pg_stat_activity "
                "a USING (pid) WHERE a.application_name = 'twelve-cert'"),
            "/CN=" + server_->user());
}

TEST_F(PostgresSessionTest, ChannelBindingRequireAuthenticatesWithPlus) {
  OpenReady(With(Url(), "channel_binding=require"));
  EXPECT_TRUE(Add("bound", 1).ok());
}

TEST_F(PostgresSessionTest, LogsInWithEveryPasswordMethod) {
  for (Login login : {Login::kMd5, Login::kCleartext, Login::kTrust}) {
    for (std::string_view tls : {"sslmode=disable", "sslmode=require"}) {
      std::string url = With(server_->UrlFor(login, kDatabase), tls);
      OpenReady(url);
      EXPECT_TRUE(Add("login", 1).ok()) << url;
      TearDown();
    }
  }
}

TEST_F(PostgresSessionTest, ChannelBindingRequireRefusesAnMd5Login) {
  sql::Client& store = Open(
      With(server_->UrlFor(Login::kMd5, kDatabase), "channel_binding=require"));
  Status status = Add("md5", 1).status();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("MD5 password"), std::string::npos)
      << status.message();
  EXPECT_FALSE(store.Ready());
}

TEST_F(PostgresSessionTest, TargetSessionAttrsChecksWhatTheServerIs) {
  OpenReady(With(Url(), "target_session_attrs=read-write"));
  EXPECT_TRUE(Add("primary", 1).ok());
  TearDown();
  sql::Client& store = Open(With(Url(), "target_session_attrs=standby"));
  Status status = Add("standby", 1).status();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("not a standby"), std::string::npos)
      << status.message();
  EXPECT_FALSE(store.Ready());
}

TEST_F(PostgresSessionTest, StartupOptionsReachTheSession) {
  // A search_path without the counters table: only a session that got the
  // options misses it.
  OpenReady(With(Url(), "options=-c%20search_path%3Dnowhere"));
  Result<std::int64_t> value = Add("options", 1);
  EXPECT_EQ(value.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(value.status().message().find("42P01"), std::string::npos)
      << value.status().message();
}

}  // namespace
}  // namespace twelve::backing
