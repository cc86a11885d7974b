#include "settings.hpp"

#include <gtest/gtest.h>

#include <twelve/config/kit_config.hpp>

namespace welcome {
namespace {

using Parsed =
    std::variant<twelve::Settings, std::vector<twelve::SettingError>>;

Parsed ParseWith(std::map<std::string, std::string> env) {
  twelve::SettingsTable table;
  twelve::AddKitSettings(table);
  AddSettings(table);
  return table.Parse(twelve::Environment(env));
}

std::vector<twelve::SettingError> Errors(
    std::map<std::string, std::string> env) {
  Parsed parsed = ParseWith(std::move(env));
  EXPECT_TRUE(
      std::holds_alternative<std::vector<twelve::SettingError>>(parsed));
  if (auto* errors = std::get_if<std::vector<twelve::SettingError>>(&parsed)) {
    return *errors;
  }
  return {};
}

TEST(WelcomeSettings, NoStoreIsAnErrorShowingBothWays) {
  Parsed parsed = ParseWith({});
  ASSERT_TRUE(std::holds_alternative<twelve::Settings>(parsed));
  auto url = ChooseStore(std::get<twelve::Settings>(parsed));
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().code(), twelve::StatusCode::kInvalidArgument);
  EXPECT_NE(url.status().message().find("REDIS_URL"), std::string::npos);
  EXPECT_NE(url.status().message().find("DATABASE_URL"), std::string::npos);
}

TEST(WelcomeSettings, RedisWinsOverDatabase) {
  Parsed parsed = ParseWith({{"REDIS_URL", "redis://h:6379"},
                             {"DATABASE_URL", "sqlite:///tmp/x.db"}});
  auto url = ChooseStore(std::get<twelve::Settings>(parsed));
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->kind, twelve::StoreUrl::Kind::kRedis);
}

TEST(WelcomeSettings, DatabaseUrlAttachesSqlite) {
  Parsed parsed = ParseWith({{"DATABASE_URL", "sqlite:///tmp/x.db"}});
  auto url = ChooseStore(std::get<twelve::Settings>(parsed));
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->kind, twelve::StoreUrl::Kind::kSqlite);
}

TEST(WelcomeSettings, MalformedUrlNamesTheVariable) {
  auto errors = Errors({{"REDIS_URL", "redis://:pw@host:99999"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].name, "REDIS_URL");
  EXPECT_NE(errors[0].expected.find("port"), std::string::npos);
}

TEST(WelcomeSettings, WrongKindOfUrlForTheVariableIsAnError) {
  auto errors = Errors(
      {{"REDIS_URL", "postgres://u:p@h/db"}, {"DATABASE_URL", "redis://h"}});
  ASSERT_EQ(errors.size(), 2u);
}

TEST(WelcomeSettings, PasswordNeverShownInErrors) {
  auto errors = Errors({{"REDIS_URL", "redis://:hunter2@host:0"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString().find("hunter2"), std::string::npos);
}

TEST(WelcomeSettings, PasswordMaskedInEffectiveConfig) {
  Parsed parsed = ParseWith({{"REDIS_URL", "redis://:hunter2@host:6379"}});
  for (const auto& shown : std::get<twelve::Settings>(parsed).Effective()) {
    EXPECT_EQ(shown.value.find("hunter2"), std::string::npos) << shown.name;
  }
}

TEST(WelcomeSettings, StoreTimeoutsAreParsed) {
  Parsed parsed = ParseWith({{"STORE_TIMEOUT", "250ms"}});
  twelve::StoreOptions options =
      twelve::StoreOptionsFrom(std::get<twelve::Settings>(parsed));
  EXPECT_EQ(options.operation_timeout.count(), 250);
  EXPECT_EQ(options.connect_timeout.count(), 1000);
}

}  // namespace
}  // namespace welcome
