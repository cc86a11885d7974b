#include "http/http_version.hpp"

#include <gtest/gtest.h>

namespace twelve::http {
namespace {

TEST(HttpVersion, IsReadAfterTheTarget) {
  EXPECT_EQ(VersionOf("GET / HTTP/1.2\r\n"), "HTTP/1.2\r\n");
  EXPECT_EQ(VersionOf("GET /a?b HTTP/1.1"), "HTTP/1.1");
  EXPECT_EQ(VersionOf("GET /"), "");
  EXPECT_EQ(VersionOf("GET"), "");
}

TEST(HttpVersion, WellFormedIsDigitDotDigitThenCrlf) {
  EXPECT_TRUE(IsWellFormedVersion("HTTP/2.0\r\n"));
  EXPECT_TRUE(IsWellFormedVersion("HTTP/1.2\r"));  // the CRLF not all here
  EXPECT_TRUE(IsWellFormedVersion("HTTP/0.9"));
  EXPECT_FALSE(IsWellFormedVersion("http/1.1\r\n"));
  EXPECT_FALSE(IsWellFormedVersion("HTTP/1.1 \r\n"));
  EXPECT_FALSE(IsWellFormedVersion("HTTP/1.1\n"));
  EXPECT_FALSE(IsWellFormedVersion("HTTP/1.20\r\n"));
  EXPECT_FALSE(IsWellFormedVersion("HTTP/1.\r\n"));
}

TEST(HttpVersion, HigherMinorOfHttp1IsOneTwoToOneNine) {
  EXPECT_TRUE(IsHigherMinorVersion("HTTP/1.2\r\n"));
  EXPECT_TRUE(IsHigherMinorVersion("HTTP/1.9\r\n"));
  EXPECT_FALSE(IsHigherMinorVersion("HTTP/1.1\r\n"));
  EXPECT_FALSE(IsHigherMinorVersion("HTTP/1.0\r\n"));
  EXPECT_FALSE(IsHigherMinorVersion("HTTP/2.2\r\n"));
  EXPECT_FALSE(IsHigherMinorVersion("HTTP/1.2 \r\n"));
}

}  // namespace
}  // namespace twelve::http
