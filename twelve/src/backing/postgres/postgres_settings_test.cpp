#include "backing/postgres/postgres_settings.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace twelve::backing {
namespace {

using Target = PostgresSettings::TargetSession;

TEST(PostgresSettingsOf, TheParsedUrlCarriesTheDriversReading) {
  Result<StoreUrl> url = ParseStoreUrl(
      "postgres://u:pw@h/db?sslmode=require&application_name=app");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  Result<std::shared_ptr<const PostgresSettings>> settings =
      PostgresSettingsOf(*url);
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ((*settings)->tls, PostgresSettings::Tls::kRequire);
  using Parameter = std::pair<std::string, std::string>;
  EXPECT_EQ(
      (*settings)->startup,
      (std::vector<Parameter>{
          {"user", "u"}, {"database", "db"}, {"application_name", "app"}}));
  // Read once: every copy of the URL (one per connection) shares it.
  StoreUrl copy = *url;
  EXPECT_EQ(PostgresSettingsOf(copy)->get(), settings->get());
}

TEST(PostgresSettingsOf, RefusesAUrlTheParserDidNotRead) {
  StoreUrl by_hand;
  by_hand.kind = StoreUrl::Kind::kPostgres;
  by_hand.user = "u";
  by_hand.host = "h";
  EXPECT_FALSE(PostgresSettingsOf(by_hand).ok());
  Result<StoreUrl> redis = ParseStoreUrl("redis://h");
  ASSERT_TRUE(redis.ok());
  EXPECT_FALSE(PostgresSettingsOf(*redis).ok());
}

ServerParameters Server(const char* standby, const char* read_only) {
  return {{"in_hot_standby", standby},
          {"default_transaction_read_only", read_only}};
}

TEST(CheckTargetSession, AnyServerIsAnyTarget) {
  EXPECT_TRUE(CheckTargetSession(Target::kAny, {}).ok());
  EXPECT_TRUE(CheckTargetSession(Target::kAny, Server("on", "on")).ok());
}

TEST(CheckTargetSession, PrimaryAndStandbyFollowInHotStandby) {
  EXPECT_TRUE(CheckTargetSession(Target::kPrimary, Server("off", "on")).ok());
  EXPECT_NE(CheckTargetSession(Target::kPrimary, Server("on", "off"))
                .message()
                .find("is a standby"),
            std::string::npos);
  EXPECT_TRUE(CheckTargetSession(Target::kStandby, Server("on", "off")).ok());
  EXPECT_NE(CheckTargetSession(Target::kStandby, Server("off", "off"))
                .message()
                .find("is not a standby"),
            std::string::npos);
}

TEST(CheckTargetSession, ReadOnlyIsAStandbyOrReadOnlyByDefault) {
  EXPECT_TRUE(
      CheckTargetSession(Target::kReadWrite, Server("off", "off")).ok());
  for (const auto& [standby, read_only] :
       {std::pair{"on", "off"}, std::pair{"off", "on"}}) {
    ServerParameters server = Server(standby, read_only);
    EXPECT_NE(CheckTargetSession(Target::kReadWrite, server)
                  .message()
                  .find("sessions are read-only"),
              std::string::npos);
    EXPECT_TRUE(CheckTargetSession(Target::kReadOnly, server).ok());
  }
  EXPECT_NE(CheckTargetSession(Target::kReadOnly, Server("off", "off"))
                .message()
                .find("sessions are read-write"),
            std::string::npos);
}

TEST(CheckTargetSession, ARefusalIsUnavailableNotABadUrl) {
  // The URL was fine: another server, or this one after a failover, may be
  // what it asks for.
  EXPECT_EQ(CheckTargetSession(Target::kPrimary, Server("on", "on")).code(),
            StatusCode::kUnavailable);
}

TEST(CheckTargetSession, AServerThatDoesNotReportItselfIsRefused) {
  EXPECT_NE(CheckTargetSession(Target::kReadWrite,
                               {{"default_transaction_read_only", "off"}})
                .message()
                .find("needs PostgreSQL 14 or later"),
            std::string::npos);
}

}  // namespace
}  // namespace twelve::backing
