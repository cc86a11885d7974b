#include "twelve/http/trace_context.hpp"

#include <gtest/gtest.h>

#include <string>

namespace twelve {
namespace {

constexpr std::string_view kValid =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string Ids(const TraceParent& parsed) {
  return std::string(parsed.trace_id.data(), 32) + "/" +
         std::string(parsed.parent_id.data(), 16);
}

TEST(Traceparent, ParsesTheSpecExample) {
  std::optional<TraceParent> parsed = ParseTraceparent(kValid);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->version, 0);
  EXPECT_EQ(Ids(*parsed), "4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, 1);
}

TEST(Traceparent, KeepsFlagsOtherThanSampled) {
  std::optional<TraceParent> parsed = ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->flags, 0);
  parsed = ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->flags, 0xff);
}

TEST(Traceparent, RejectsVersionFf) {
  EXPECT_FALSE(ParseTraceparent(
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(Traceparent, RejectsUppercaseHex) {
  EXPECT_FALSE(ParseTraceparent(
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"));
}

TEST(Traceparent, RejectsAllZeroIds) {
  EXPECT_FALSE(ParseTraceparent(
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
}

TEST(Traceparent, RejectsNonHexCharacters) {
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01"));
  EXPECT_FALSE(ParseTraceparent(
      "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0-"));
}

TEST(Traceparent, RejectsWrongLengthsAndDelimiters) {
  EXPECT_FALSE(ParseTraceparent(""));
  EXPECT_FALSE(ParseTraceparent(kValid.substr(0, kValid.size() - 1)));
  // Version 00 has exactly four fields: nothing may follow, not even '-'.
  EXPECT_FALSE(ParseTraceparent(std::string(kValid) + "-"));
  EXPECT_FALSE(ParseTraceparent(std::string(kValid) + "-what"));
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e47-3600f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01"));
  EXPECT_FALSE(ParseTraceparent(
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(Traceparent, ReadsAFutureVersionAsVersion00) {
  std::optional<TraceParent> parsed = ParseTraceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->version, 0xcc);
  // Its own fields after a '-' are skipped.
  parsed = ParseTraceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-"
      "future-holds");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(Ids(*parsed), "4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7");
  // ...but only after a '-'.
  EXPECT_FALSE(ParseTraceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01what"));
  // And its first fields keep version 00's rules.
  EXPECT_FALSE(ParseTraceparent(
      "cc-00000000000000000000000000000000-00f067aa0ba902b7-01"));
}

}  // namespace
}  // namespace twelve
