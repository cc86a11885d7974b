#include "backing/postgres/postgres_settings.hpp"

#include <gtest/gtest.h>

#include <string>

namespace twelve::backing {
namespace {

using Target = PostgresSettings::TargetSession;

ServerParameters Server(const char* standby, const char* read_only) {
  return {{"in_hot_standby", standby},
          {"default_transaction_read_only", read_only}};
}

TEST(TargetSessionRefusal, AnyServerIsAnyTarget) {
  EXPECT_EQ(TargetSessionRefusal(Target::kAny, {}), "");
  EXPECT_EQ(TargetSessionRefusal(Target::kAny, Server("on", "on")), "");
}

TEST(TargetSessionRefusal, PrimaryAndStandbyFollowInHotStandby) {
  EXPECT_EQ(TargetSessionRefusal(Target::kPrimary, Server("off", "on")), "");
  EXPECT_NE(TargetSessionRefusal(Target::kPrimary, Server("on", "off"))
                .find("is a standby"),
            std::string::npos);
  EXPECT_EQ(TargetSessionRefusal(Target::kStandby, Server("on", "off")), "");
  EXPECT_NE(TargetSessionRefusal(Target::kStandby, Server("off", "off"))
                .find("is not a standby"),
            std::string::npos);
}

TEST(TargetSessionRefusal, ReadOnlyIsAStandbyOrReadOnlyByDefault) {
  EXPECT_EQ(TargetSessionRefusal(Target::kReadWrite, Server("off", "off")), "");
  for (const auto& [standby, read_only] :
       {std::pair{"on", "off"}, std::pair{"off", "on"}}) {
    ServerParameters server = Server(standby, read_only);
    EXPECT_NE(TargetSessionRefusal(Target::kReadWrite, server)
                  .find("sessions are read-only"),
              std::string::npos);
    EXPECT_EQ(TargetSessionRefusal(Target::kReadOnly, server), "");
  }
  EXPECT_NE(TargetSessionRefusal(Target::kReadOnly, Server("off", "off"))
                .find("sessions are read-write"),
            std::string::npos);
}

TEST(TargetSessionRefusal, AServerThatDoesNotReportItselfIsRefused) {
  EXPECT_NE(TargetSessionRefusal(Target::kReadWrite,
                                 {{"default_transaction_read_only", "off"}})
                .find("needs PostgreSQL 14 or later"),
            std::string::npos);
}

}  // namespace
}  // namespace twelve::backing
