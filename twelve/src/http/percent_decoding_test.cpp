#include "http/percent_decoding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace twelve {
namespace {

// The decoded text, or "<malformed>".
std::string Decode(std::string_view text, PlusIs plus = PlusIs::kPlus) {
  std::string out;
  return AppendPercentDecoded(text, plus, out) ? out : "<malformed>";
}

TEST(PercentDecoding, PlainTextIsUnchanged) {
  EXPECT_EQ(Decode(""), "");
  EXPECT_EQ(Decode("abc-._~!$'()*,;:@"), "abc-._~!$'()*,;:@");
}

TEST(PercentDecoding, EscapesInEitherCase) {
  EXPECT_EQ(Decode("a%20b"), "a b");
  EXPECT_EQ(Decode("%2f%2F"), "//");
  EXPECT_EQ(Decode("%41%62"), "Ab");
  EXPECT_EQ(Decode("%25"), "%");
  EXPECT_EQ(Decode("%25zz"), "%zz");  // decoded once, not twice
}

TEST(PercentDecoding, AnyByteIncludingNulAndUtf8) {
  EXPECT_EQ(Decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(Decode("%C3%A9"), "\xC3\xA9");
  EXPECT_EQ(Decode("%ff"), "\xFF");
}

TEST(PercentDecoding, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(Decode("a+b", PlusIs::kPlus), "a+b");
  EXPECT_EQ(Decode("a+b", PlusIs::kSpace), "a b");
  EXPECT_EQ(Decode("a%2Bb", PlusIs::kSpace), "a+b");
}

TEST(PercentDecoding, MalformedEscapes) {
  for (std::string_view text :
       {"%", "%4", "a%", "%zz", "%4g", "%g4", "% 41", "%%41", "ok%2"}) {
    EXPECT_EQ(Decode(text), "<malformed>") << text;
  }
}

TEST(PercentDecoding, AppendsToWhatIsThere) {
  std::string out = "x";
  EXPECT_TRUE(AppendPercentDecoded("%79", PlusIs::kPlus, out));
  EXPECT_EQ(out, "xy");
}

}  // namespace
}  // namespace twelve
