#include "twelve/config/kit_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace twelve {
namespace {

using std::chrono::milliseconds;
using Env = std::map<std::string, std::string>;

SettingsTable KitTable() {
  SettingsTable table;
  AddKitSettings(table);
  return table;
}

std::variant<Settings, std::vector<SettingError>> Parse(const Env& env) {
  return KitTable().Parse(Environment(env));
}

// Throws (failing the test with the errors) when the environment is invalid.
KitConfig MustConfig(const Env& env) {
  auto result = Parse(env);
  if (const auto* errors = std::get_if<std::vector<SettingError>>(&result)) {
    std::string text;
    for (const SettingError& error : *errors) text += error.ToString() + "\n";
    throw std::runtime_error("unexpected errors:\n" + text);
  }
  return KitConfigFrom(std::get<Settings>(result));
}

std::vector<std::string> Errors(const Env& env) {
  auto result = Parse(env);
  std::vector<std::string> errors;
  if (const auto* found = std::get_if<std::vector<SettingError>>(&result)) {
    for (const SettingError& error : *found) errors.push_back(error.ToString());
  }
  return errors;
}

TEST(Config, AddsTheKitSettingsInDocumentedOrder) {
  const SettingsTable table = KitTable();
  std::vector<std::string> names;
  for (const Setting& setting : table.settings()) {
    names.push_back(setting.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"PORT",
                                             "BIND",
                                             "WEB_THREADS",
                                             "REUSE_PORT",
                                             "LOG_LEVEL",
                                             "LOG_FORMAT",
                                             "ACCESS_LOG",
                                             "SHUTDOWN_DELAY",
                                             "SHUTDOWN_TIMEOUT",
                                             "HTTP_HEADER_TIMEOUT",
                                             "HTTP_BODY_TIMEOUT",
                                             "HTTP_IDLE_TIMEOUT",
                                             "HTTP_WRITE_TIMEOUT",
                                             "HTTP_MAX_HEADER_BYTES",
                                             "HTTP_MAX_BODY_BYTES",
                                             "HTTP_MAX_CONNECTIONS",
                                             "METRICS",
                                             "ADMIN_PORT",
                                             "ADMIN_BIND",
                                             "RELEASE_ID"}));
}

TEST(Config, AddingKitSettingsTwiceThrows) {
  SettingsTable table = KitTable();
  EXPECT_THROW(AddKitSettings(table), std::logic_error);
}

TEST(Config, DefaultsMatchTheStructDefaults) {
  const KitConfig config = MustConfig({});
  const ServerConfig expected_server;
  EXPECT_EQ(config.server.bind, "0.0.0.0");
  EXPECT_EQ(config.server.port, 5000);
  EXPECT_EQ(config.server.header_timeout, expected_server.header_timeout);
  EXPECT_EQ(config.server.body_timeout, expected_server.body_timeout);
  EXPECT_EQ(config.server.body_timeout, milliseconds(30'000));
  EXPECT_EQ(config.server.idle_timeout, expected_server.idle_timeout);
  EXPECT_EQ(config.server.write_timeout, expected_server.write_timeout);
  EXPECT_EQ(config.server.max_header_bytes, expected_server.max_header_bytes);
  EXPECT_EQ(config.server.max_body_bytes, expected_server.max_body_bytes);
  EXPECT_EQ(config.server.max_connections, expected_server.max_connections);
  EXPECT_EQ(config.server.reuse_port, expected_server.reuse_port);
  EXPECT_FALSE(config.server.reuse_port);
  EXPECT_EQ(config.log.level, LogLevel::kInfo);
  EXPECT_EQ(config.log.format, LogFormat::kJson);
  EXPECT_TRUE(config.log.access_log);
  EXPECT_EQ(config.shutdown.delay, milliseconds(0));
  EXPECT_EQ(config.shutdown.timeout, milliseconds(10'000));
  EXPECT_EQ(config.release_id, "");
  const AdminConfig expected_admin;
  EXPECT_EQ(config.admin.metrics, expected_admin.metrics);
  EXPECT_TRUE(config.admin.metrics);
  EXPECT_EQ(config.admin.port, 0);  // no admin listener
  EXPECT_EQ(config.admin.bind, "127.0.0.1");
}

TEST(Config, ReadsTheAdminSettings) {
  const KitConfig config = MustConfig(
      {{"METRICS", "off"}, {"ADMIN_PORT", "9100"}, {"ADMIN_BIND", "::1"}});
  EXPECT_FALSE(config.admin.metrics);
  EXPECT_EQ(config.admin.port, 9100);
  EXPECT_EQ(config.admin.bind, "::1");
  EXPECT_TRUE(CheckKitConfig(config).empty());
}

TEST(Config, RejectsAdminPortEqualToPortNamingBoth) {
  const KitConfig config =
      MustConfig({{"PORT", "8080"}, {"ADMIN_PORT", "8080"}});
  const std::vector<SettingError> errors = CheckKitConfig(config);
  ASSERT_EQ(errors.size(), 1u);
  const std::string text = errors[0].ToString();
  EXPECT_NE(text.find("ADMIN_PORT=\"8080\""), std::string::npos) << text;
  EXPECT_NE(text.find("PORT=8080"), std::string::npos) << text;
}

TEST(Config, RejectsAHostNameAsAdminBind) {
  EXPECT_EQ(Errors({{"ADMIN_BIND", "localhost"}}).size(), 1u);
  EXPECT_EQ(Errors({{"ADMIN_PORT", "0"}}).size(), 1u);
}

TEST(Config, ReadsEveryKitSetting) {
  const KitConfig config = MustConfig({{"PORT", "8080"},
                                       {"BIND", "127.0.0.1"},
                                       {"WEB_THREADS", "3"},
                                       {"REUSE_PORT", "on"},
                                       {"LOG_LEVEL", "debug"},
                                       {"LOG_FORMAT", "text"},
                                       {"ACCESS_LOG", "off"},
                                       {"SHUTDOWN_DELAY", "2s"},
                                       {"SHUTDOWN_TIMEOUT", "30s"},
                                       {"HTTP_HEADER_TIMEOUT", "500ms"},
                                       {"HTTP_BODY_TIMEOUT", "2m"},
                                       {"HTTP_IDLE_TIMEOUT", "5m"},
                                       {"HTTP_WRITE_TIMEOUT", "20s"},
                                       {"HTTP_MAX_HEADER_BYTES", "8KiB"},
                                       {"HTTP_MAX_BODY_BYTES", "0"},
                                       {"HTTP_MAX_CONNECTIONS", "100"},
                                       {"RELEASE_ID", "v42"}});
  EXPECT_EQ(config.server.port, 8080);
  EXPECT_EQ(config.server.bind, "127.0.0.1");
  EXPECT_EQ(config.server.threads, 3);
  EXPECT_TRUE(config.server.reuse_port);
  EXPECT_EQ(config.log.level, LogLevel::kDebug);
  EXPECT_EQ(config.log.format, LogFormat::kText);
  EXPECT_FALSE(config.log.access_log);
  EXPECT_EQ(config.shutdown.delay, milliseconds(2000));
  EXPECT_EQ(config.shutdown.timeout, milliseconds(30'000));
  EXPECT_EQ(config.server.header_timeout, milliseconds(500));
  EXPECT_EQ(config.server.body_timeout, milliseconds(120'000));
  EXPECT_EQ(config.server.idle_timeout, milliseconds(300'000));
  EXPECT_EQ(config.server.write_timeout, milliseconds(20'000));
  EXPECT_EQ(config.server.max_header_bytes, 8192u);
  EXPECT_EQ(config.server.max_body_bytes, 0u);
  EXPECT_EQ(config.server.max_connections, 100);
  EXPECT_EQ(config.release_id, "v42");
}

TEST(Config, MapsEveryLogLevel) {
  EXPECT_EQ(MustConfig({{"LOG_LEVEL", "debug"}}).log.level, LogLevel::kDebug);
  EXPECT_EQ(MustConfig({{"LOG_LEVEL", "info"}}).log.level, LogLevel::kInfo);
  EXPECT_EQ(MustConfig({{"LOG_LEVEL", "warn"}}).log.level, LogLevel::kWarn);
  EXPECT_EQ(MustConfig({{"LOG_LEVEL", "error"}}).log.level, LogLevel::kError);
}

TEST(Config, RejectsPortOutOfRange) {
  EXPECT_EQ(Errors({{"PORT", "70000"}}),
            std::vector<std::string>{
                "PORT=\"70000\": expected an integer from 1 to 65535"});
}

TEST(Config, AcceptsIpv6Bind) {
  EXPECT_EQ(MustConfig({{"BIND", "::"}}).server.bind, "::");
  EXPECT_EQ(MustConfig({{"BIND", "::1"}}).server.bind, "::1");
}

TEST(Config, RejectsHostNameAsBind) {
  EXPECT_EQ(Errors({{"BIND", "localhost"}}),
            std::vector<std::string>{"BIND=\"localhost\": expected an IPv4 or "
                                     "IPv6 address such as 0.0.0.0 or ::"});
  EXPECT_EQ(Errors({{"BIND", "[::1]"}}).size(), 1u);
  EXPECT_EQ(Errors({{"BIND", "0.0.0.0 "}}).size(), 1u);
}

TEST(Config, WebThreadsDefaultsToAvailableCpus) {
  EXPECT_EQ(MustConfig({}).server.threads, std::clamp(AvailableCpus(), 1, 256));
}

TEST(Config, WebThreadsDocumentsItsDefaultWithoutAMachineValue) {
  const std::string markdown = KitTable().RenderMarkdown();
  EXPECT_NE(markdown.find("| `WEB_THREADS` | the CPUs this process may use |"),
            std::string::npos);
}

TEST(Config, RejectsWebThreadsOutOfRange) {
  EXPECT_EQ(Errors({{"WEB_THREADS", "257"}}),
            std::vector<std::string>{
                "WEB_THREADS=\"257\": expected an integer from 1 to 256"});
  EXPECT_EQ(Errors({{"WEB_THREADS", "0"}}).size(), 1u);
}

TEST(Config, RejectsReusePortOtherThanOnOrOff) {
  std::vector<std::string> errors = Errors({{"REUSE_PORT", "yes"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("REUSE_PORT=\"yes\""), std::string::npos)
      << errors[0];
  EXPECT_NE(errors[0].find("off"), std::string::npos) << errors[0];
}

TEST(Config, RejectsUnknownLogLevel) {
  EXPECT_EQ(Errors({{"LOG_LEVEL", "verbose"}}),
            std::vector<std::string>{"LOG_LEVEL=\"verbose\": expected one of: "
                                     "debug, info, warn, error"});
}

TEST(Config, RejectsHeaderTimeoutBelowMinimum) {
  EXPECT_EQ(Errors({{"HTTP_HEADER_TIMEOUT", "50ms"}}),
            std::vector<std::string>{
                "HTTP_HEADER_TIMEOUT=\"50ms\": expected a duration such as "
                "500ms, 10s or 2m, from 100ms to 10m"});
}

TEST(Config, RejectsBodyTimeoutOutOfRange) {
  EXPECT_EQ(Errors({{"HTTP_BODY_TIMEOUT", "99ms"}}),
            std::vector<std::string>{
                "HTTP_BODY_TIMEOUT=\"99ms\": expected a duration such as "
                "500ms, 10s or 2m, from 100ms to 1h"});
  EXPECT_EQ(Errors({{"HTTP_BODY_TIMEOUT", "61m"}}).size(), 1u);
  EXPECT_EQ(Errors({{"HTTP_BODY_TIMEOUT", "slow"}}).size(), 1u);
  EXPECT_EQ(MustConfig({{"HTTP_BODY_TIMEOUT", "1h"}}).server.body_timeout,
            milliseconds(3'600'000));
}

TEST(Config, DescribesDurationBoundsInLargestExactUnit) {
  EXPECT_EQ(Errors({{"SHUTDOWN_DELAY", "6m"}}),
            std::vector<std::string>{
                "SHUTDOWN_DELAY=\"6m\": expected a duration such as 500ms, "
                "10s or 2m, from 0s to 5m"});
  EXPECT_EQ(Errors({{"HTTP_IDLE_TIMEOUT", "2h"}}),
            std::vector<std::string>{
                "HTTP_IDLE_TIMEOUT=\"2h\": expected a duration such as "
                "500ms, 10s or 2m, from 100ms to 1h"});
}

TEST(Config, RejectsMaxHeaderBytesOutOfRange) {
  EXPECT_EQ(Errors({{"HTTP_MAX_HEADER_BYTES", "2MiB"}}),
            std::vector<std::string>{
                "HTTP_MAX_HEADER_BYTES=\"2MiB\": expected a size in bytes such "
                "as 65536, 64KiB or 1MiB, from 1KiB to 1MiB"});
  EXPECT_EQ(Errors({{"HTTP_MAX_HEADER_BYTES", "1023"}}).size(), 1u);
}

TEST(Config, RejectsMaxBodyBytesAboveOneGiB) {
  EXPECT_EQ(Errors({{"HTTP_MAX_BODY_BYTES", "1025MiB"}}).size(), 1u);
  EXPECT_EQ(MustConfig({{"HTTP_MAX_BODY_BYTES", "1GiB"}}).server.max_body_bytes,
            1u << 30);
}

TEST(Config, RejectsTooManyConnections) {
  EXPECT_EQ(Errors({{"HTTP_MAX_CONNECTIONS", "1000001"}}).size(), 1u);
}

TEST(Config, RejectsLongReleaseId) {
  EXPECT_EQ(
      MustConfig({{"RELEASE_ID", std::string(128, 'v')}}).release_id.size(),
      128u);
  EXPECT_EQ(Errors({{"RELEASE_ID", std::string(129, 'v')}}).size(), 1u);
}

TEST(Config, RejectsReleaseIdWithControlCharacters) {
  EXPECT_EQ(Errors({{"RELEASE_ID", "v42\n{\"level\":\"error\"}"}}).size(), 1u);
}

TEST(Config, ReportsEveryBadKitVariable) {
  const std::vector<std::string> errors =
      Errors({{"PORT", "http"},
              {"BIND", "example.com"},
              {"LOG_FORMAT", "xml"},
              {"SHUTDOWN_TIMEOUT", "-1s"},
              {"HTTP_MAX_BODY_BYTES", "lots"}});
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].rfind("PORT=", 0), 0u);
  EXPECT_EQ(errors[4].rfind("HTTP_MAX_BODY_BYTES=", 0), 0u);
}

TEST(Config, AvailableCpusIsAtLeastOne) { EXPECT_GE(AvailableCpus(), 1); }

}  // namespace
}  // namespace twelve
