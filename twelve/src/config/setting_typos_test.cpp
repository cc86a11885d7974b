#include "config/setting_typos.hpp"

#include <gtest/gtest.h>

#include <string>

#include "twelve/config/kit_config.hpp"

namespace twelve {
namespace {

SettingsTable Table() {
  SettingsTable table;
  AddKitSettings(table);
  table.Add({.name = "REDIS_URL"});
  table.Add({.name = "DATABASE_URL"});
  return table;
}

std::string Typos(const Environment& env) {
  std::string shown;
  for (const SettingTypo& typo : FindSettingTypos(env, Table())) {
    shown += typo.variable + "~" + typo.setting + " ";
  }
  return shown;
}

TEST(SettingTypos, FindsAMissingOrExtraLetter) {
  EXPECT_EQ(Typos({{"WEB_THREAD", "4"}}), "WEB_THREAD~WEB_THREADS ");
  EXPECT_EQ(Typos({{"WEB_THREADSS", "4"}}), "WEB_THREADSS~WEB_THREADS ");
  EXPECT_EQ(Typos({{"PORTT", "80"}}), "PORTT~PORT ");
}

TEST(SettingTypos, FindsSwappedAndChangedLetters) {
  EXPECT_EQ(Typos({{"DATABASE_ULR", "x"}}), "DATABASE_ULR~DATABASE_URL ");
  EXPECT_EQ(Typos({{"REDIS_URI", "x"}}), "REDIS_URI~REDIS_URL ");
  EXPECT_EQ(Typos({{"LOG_LEVLE", "x"}}), "LOG_LEVLE~LOG_LEVEL ");
}

TEST(SettingTypos, IgnoresTheSettingsThemselvesAndFarNames) {
  EXPECT_EQ(Typos({{"PORT", "80"},
                   {"WEB_THREADS", "2"},
                   {"PATH", "/bin"},
                   {"HOME", "/root"},
                   {"PWD", "/"},
                   {"HOSTNAME", "h"},
                   {"REDIS_PORT", "tcp://10.0.0.1:6379"},
                   {"REDIS_HOST", "r"},
                   {"WEB_CONCURRENCY", "2"},
                   {"DATABASE", "x"}}),
            "");
}

TEST(SettingTypos, NeedsTheSameFamily) {
  // One edit from PORT, but not of its family.
  EXPECT_EQ(Typos({{"SORT", "x"}}), "");
  // Short names allow one edit only.
  EXPECT_EQ(Typos({{"PORTS", "x"}}), "PORTS~PORT ");
  EXPECT_EQ(Typos({{"POSTS", "x"}}), "");
}

TEST(SettingTypos, ReportsEachSuspectOnce) {
  EXPECT_EQ(Typos({{"DATABASE_ULR", "x"}, {"WEB_THREAD", "1"}}),
            "DATABASE_ULR~DATABASE_URL WEB_THREAD~WEB_THREADS ");
}

TEST(EditDistance, CountsEditsAndSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("URL", "ULR"), 1u);
  EXPECT_EQ(EditDistance("URL", "URI"), 1u);
  EXPECT_EQ(EditDistance("THREAD", "THREADS"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace twelve
