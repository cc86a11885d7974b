#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/capturing_sink.hpp"
#include "twelve/log/logger.hpp"

namespace twelve {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;
using namespace std::string_literals;

// 2026-11-28T01:02:03.456789Z
system_clock::time_point FixedTime() {
  return std::chrono::sys_days{std::chrono::year(2026) / 11 / 28} + 1h + 2min +
         3s + 456789us;
}

std::string Json(std::string_view msg, std::initializer_list<Field> fields = {},
                 LogLevel level = LogLevel::kInfo,
                 system_clock::time_point now = FixedTime()) {
  std::string out;
  EncodeJsonLine(out, now, level, msg, fields);
  return out;
}

std::string Text(std::string_view msg, std::initializer_list<Field> fields = {},
                 LogLevel level = LogLevel::kInfo) {
  std::string out;
  EncodeTextLine(out, FixedTime(), level, msg, fields);
  return out;
}

std::string Timestamp(system_clock::time_point now) {
  const boost::json::value line = boost::json::parse(Json("", {}, {}, now));
  return std::string(line.at("ts").as_string());
}

// Exactly one line, and it is one valid JSON object (Boost.JSON also rejects
// invalid UTF-8, so this checks the encoding too).
boost::json::object ParseLine(const std::string& line) {
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  boost::json::error_code error;
  boost::json::value value = boost::json::parse(line, error);
  EXPECT_FALSE(error) << error.message() << " in " << line;
  EXPECT_TRUE(value.is_object()) << line;
  return value.is_object() ? value.as_object() : boost::json::object();
}

std::string MsgOf(const std::string& line) {
  return std::string(ParseLine(line).at("msg").as_string());
}

TEST(LogLevelName, NamesEveryLevel) {
  EXPECT_EQ(LogLevelName(LogLevel::kDebug), "debug");
  EXPECT_EQ(LogLevelName(LogLevel::kInfo), "info");
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "warn");
  EXPECT_EQ(LogLevelName(LogLevel::kError), "error");
}

TEST(JsonLine, StartsWithTsLevelAndMsg) {
  EXPECT_EQ(
      Json("hello"),
      R"({"ts":"2026-11-28T01:02:03.456789Z","level":"info","msg":"hello"})"
      "\n");
}

TEST(JsonLine, WritesFieldsInOrderAfterMsg) {
  EXPECT_EQ(Json("request", {{"method", "GET"}, {"status", 200}, {"ok", true}},
                 LogLevel::kWarn),
            R"({"ts":"2026-11-28T01:02:03.456789Z","level":"warn",)"
            R"("msg":"request","method":"GET","status":200,"ok":true})"
            "\n");
}

TEST(JsonLine, AppendsToWhatTheCallerHas) {
  std::string out = "earlier\n";
  EncodeJsonLine(out, FixedTime(), LogLevel::kInfo, "next", {});
  EXPECT_EQ(out.rfind("earlier\n{\"ts\":", 0), 0u) << out;
}

TEST(JsonLine, ReusesWarmBufferWithoutReallocating) {
  std::string out;
  const Field first[] = {{"k", 1}};
  EncodeJsonLine(out, FixedTime(), LogLevel::kInfo, "warm up", first);
  const char* data = out.data();
  const std::size_t capacity = out.capacity();
  out.clear();
  const Field second[] = {{"k", 2}};
  EncodeJsonLine(out, FixedTime(), LogLevel::kInfo, "warm up", second);
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.capacity(), capacity);
}

TEST(JsonLine, TimestampIsRfc3339UtcWithMicroseconds) {
  const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");
  const std::string ts = Timestamp(system_clock::now());
  EXPECT_TRUE(std::regex_match(ts, rfc3339)) << ts;
}

TEST(JsonLine, TimestampPadsEveryPart) {
  const auto now = std::chrono::sys_days{std::chrono::year(2024) / 2 / 9} + 3h +
                   4min + 5s + 7us;
  EXPECT_EQ(Timestamp(now), "2024-02-09T03:04:05.000007Z");
}

TEST(JsonLine, TimestampFollowsTheSecondItIsIn) {
  // The date part is cached per second; crossing a boundary either way must
  // show the new second, including a day, month and year rollover.
  const auto midnight = std::chrono::sys_days{std::chrono::year(2027) / 1 / 1};
  EXPECT_EQ(Timestamp(midnight - 1us), "2026-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp(midnight), "2027-01-01T00:00:00.000000Z");
  EXPECT_EQ(Timestamp(midnight - 1us), "2026-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp(midnight + 61s), "2027-01-01T00:01:01.000000Z");
}

TEST(JsonLine, TimestampHandlesLeapDayAndEpoch) {
  EXPECT_EQ(Timestamp(std::chrono::sys_days{std::chrono::year(2028) / 2 / 29}),
            "2028-02-29T00:00:00.000000Z");
  EXPECT_EQ(Timestamp(system_clock::time_point{}),
            "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(Timestamp(system_clock::time_point{} - 1us),
            "1969-12-31T23:59:59.999999Z");
}

TEST(JsonLine, NamesEveryLevel) {
  for (const LogLevel level :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    const boost::json::object line = ParseLine(Json("m", {}, level));
    EXPECT_EQ(line.at("level").as_string(), LogLevelName(level));
  }
}

TEST(JsonLine, EscapesQuoteAndBackslash) {
  const std::string line = Json(R"(say "hi" \o/)");
  EXPECT_NE(line.find(R"("msg":"say \"hi\" \\o/")"), std::string::npos) << line;
  EXPECT_EQ(MsgOf(line), R"(say "hi" \o/)");
}

TEST(JsonLine, EscapesControlCharactersWithShortForms) {
  const std::string line = Json("\b\f\n\r\t");
  EXPECT_NE(line.find(R"("msg":"\b\f\n\r\t")"), std::string::npos) << line;
  EXPECT_EQ(MsgOf(line), "\b\f\n\r\t");
}

TEST(JsonLine, EscapesOtherControlCharactersAsUnicode) {
  const std::string line = Json("\0\x01\x1b\x1f"s);
  EXPECT_NE(line.find(R"("msg":"\u0000\u0001\u001b\u001f")"), std::string::npos)
      << line;
  EXPECT_EQ(MsgOf(line), "\0\x01\x1b\x1f"s);
}

TEST(JsonLine, EscapesDelete) {
  const std::string line = Json("a\x7f");
  EXPECT_NE(line.find(R"("msg":"a\u007f")"), std::string::npos) << line;
  EXPECT_EQ(MsgOf(line), "a\x7f");
}

TEST(JsonLine, RoundTripsEveryAsciiByte) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  const std::string line = Json(all, {{all, all}});
  const boost::json::object parsed = ParseLine(line);
  EXPECT_EQ(parsed.at("msg").as_string(), all);
  EXPECT_EQ(parsed.at(all).as_string(), all);
}

// The encoder tests eight bytes at a time: put every byte at every place of
// an aligned word, among plain bytes, and check it survives or is escaped.
TEST(JsonLine, RoundTripsEveryByteAtEveryPositionOfAWord) {
  for (int c = 0; c < 0x80; ++c) {
    for (int position = 0; position < 16; ++position) {
      std::string text(24, 'a');
      text[static_cast<std::size_t>(position)] = static_cast<char>(c);
      const std::string line = Json(text);
      ASSERT_EQ(line.find('\n'), line.size() - 1) << c << " at " << position;
      ASSERT_EQ(MsgOf(line), text) << c << " at " << position;
    }
  }
}

// Strings shorter than a word (gathered into one), a word and an
// overlapping tail, two words: every byte at every position among plain
// bytes. A lone byte from 0x80 up is never UTF-8 and becomes U+FFFD.
TEST(JsonLine, EncodesEveryByteAtEveryPositionOfShortStrings) {
  for (std::size_t length = 1; length <= 17; ++length) {
    for (int c = 0; c < 0x100; ++c) {
      for (std::size_t position = 0; position < length; ++position) {
        std::string text(length, 'a');
        text[position] = static_cast<char>(c);
        std::string expected = text;
        if (c >= 0x80) expected.replace(position, 1, "\ufffd");
        ASSERT_EQ(MsgOf(Json(text)), expected)
            << c << " at " << position << " of " << length;
      }
    }
  }
}

// The word test is exact only while no byte carries into the next: put
// every pair of bytes side by side and check the line stays valid JSON
// (Boost.JSON rejects raw control bytes and invalid UTF-8) and ASCII
// survives.
TEST(JsonLine, EncodesEveryPairOfAdjacentBytes) {
  for (int first = 0; first < 0x100; ++first) {
    for (int second = 0; second < 0x100; ++second) {
      std::string text(12, 'a');
      text[3] = static_cast<char>(first);
      text[4] = static_cast<char>(second);
      const std::string msg = MsgOf(Json(text));
      if (first < 0x80 && second < 0x80) {
        ASSERT_EQ(msg, text) << first << ", " << second;
      }
    }
  }
}

TEST(JsonLine, EscapesHighBytesInsideAWord) {
  std::string text(16, 'a');
  text[5] = '\xff';  // never valid UTF-8
  EXPECT_EQ(MsgOf(Json(text)), "aaaaa\ufffdaaaaaaaaaa");
}

TEST(JsonLine, PassesValidUtf8Through) {
  // Two-, three- and four-byte sequences, and U+2028, which JSON allows.
  const std::string text =
      "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9d\x84\x9e \xe2\x80\xa8";
  const std::string line = Json(text);
  EXPECT_NE(line.find(text), std::string::npos) << line;
  EXPECT_EQ(MsgOf(line), text);
}

TEST(JsonLine, ReplacesEachInvalidUtf8Byte) {
  struct Case {
    std::string input;
    std::string escaped;
  };
  const std::vector<Case> cases = {
      {"a\x80z", R"(a\ufffdz)"},                  // stray continuation
      {"a\xffz", R"(a\ufffdz)"},                  // never valid
      {"a\xe2\x82", R"(a\ufffd\ufffd)"},          // truncated at end
      {"a\xe2\x82z", R"(a\ufffd\ufffdz)"},        // truncated inside
      {"\xc0\xaf", R"(\ufffd\ufffd)"},            // overlong '/'
      {"\xe0\x80\xaf", R"(\ufffd\ufffd\ufffd)"},  // overlong, 3 bytes
      {"\xed\xa0\x80", R"(\ufffd\ufffd\ufffd)"},  // surrogate
      {"\xf4\x90\x80\x80", R"(\ufffd\ufffd\ufffd\ufffd)"},  // past U+10FFFF
      {"\xf0\x9f\x98", R"(\ufffd\ufffd\ufffd)"},            // truncated 4-byte
  };
  for (const Case& c : cases) {
    const std::string line = Json(c.input, {{c.input, c.input}});
    EXPECT_NE(line.find("\"msg\":\"" + c.escaped + "\""), std::string::npos)
        << line;
    const boost::json::object parsed = ParseLine(line);
    EXPECT_EQ(parsed.size(), 4u) << line;
  }
}

TEST(JsonLine, ForgedNewlineInMsgCannotStartAnotherLine) {
  const std::string forged = "x\"}\n{\"level\":\"error\",\"msg\":\"pwned";
  const std::string line = Json(forged);
  const boost::json::object parsed = ParseLine(line);
  EXPECT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed.at("level").as_string(), "info");
  EXPECT_EQ(parsed.at("msg").as_string(), forged);
}

TEST(JsonLine, ForgedQuoteInValueCannotAddField) {
  const std::string forged = R"(bob","admin":true,"x":")";
  const boost::json::object parsed =
      ParseLine(Json("login", {{"user", forged}}));
  EXPECT_EQ(parsed.size(), 4u);
  EXPECT_FALSE(parsed.contains("admin"));
  EXPECT_EQ(parsed.at("user").as_string(), forged);
}

TEST(JsonLine, ForgedQuoteInKeyCannotAddField) {
  const std::string forged = "a\":1,\"admin\":true,\"b";
  const boost::json::object parsed = ParseLine(Json("login", {{forged, 1}}));
  EXPECT_EQ(parsed.size(), 4u);
  EXPECT_FALSE(parsed.contains("admin"));
  EXPECT_EQ(parsed.at(forged).as_int64(), 1);
}

TEST(JsonLine, EncodesIntegersExactly) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const std::string line =
      Json("n", {{"zero", 0}, {"neg", -42}, {"min", kMin}, {"umax", kMax}});
  EXPECT_NE(line.find(R"("zero":0,"neg":-42,"min":-9223372036854775808,)"
                      R"("umax":18446744073709551615})"),
            std::string::npos)
      << line;
  const boost::json::object parsed = ParseLine(line);
  EXPECT_EQ(parsed.at("min").as_int64(), kMin);
  EXPECT_EQ(parsed.at("umax").as_uint64(), kMax);
}

TEST(JsonLine, EncodesBools) {
  const std::string line = Json("b", {{"yes", true}, {"no", false}});
  EXPECT_NE(line.find(R"("yes":true,"no":false})"), std::string::npos) << line;
  ParseLine(line);
}

TEST(JsonLine, EncodesDoublesInShortestForm) {
  const std::string line =
      Json("d", {{"a", 0.1}, {"b", 2.5}, {"c", 1e300}, {"d", -0.0}});
  EXPECT_NE(line.find(R"("a":0.1,"b":2.5,"c":1e+300,"d":-0})"),
            std::string::npos)
      << line;
  const boost::json::object parsed = ParseLine(line);
  EXPECT_EQ(parsed.at("a").to_number<double>(), 0.1);
  EXPECT_EQ(parsed.at("c").to_number<double>(), 1e300);
}

TEST(JsonLine, EncodesNonFiniteDoublesAsNull) {
  const std::string line =
      Json("d", {{"nan", std::nan("")},
                 {"inf", std::numeric_limits<double>::infinity()},
                 {"ninf", -std::numeric_limits<double>::infinity()}});
  const boost::json::object parsed = ParseLine(line);
  EXPECT_TRUE(parsed.at("nan").is_null());
  EXPECT_TRUE(parsed.at("inf").is_null());
  EXPECT_TRUE(parsed.at("ninf").is_null());
}

TEST(TextLine, ShowsTimeLevelMessageAndFields) {
  EXPECT_EQ(
      Text("request served", {{"path", "/"}, {"status", 200}, {"ok", true}}),
      "2026-11-28T01:02:03.456Z INFO  request served path=/ status=200 "
      "ok=true\n");
}

TEST(TextLine, PadsLevelsToOneWidth) {
  EXPECT_EQ(Text("m", {}, LogLevel::kDebug).substr(24), " DEBUG m\n");
  EXPECT_EQ(Text("m", {}, LogLevel::kWarn).substr(24), " WARN  m\n");
  EXPECT_EQ(Text("m", {}, LogLevel::kError).substr(24), " ERROR m\n");
}

TEST(TextLine, QuotesValuesWithSpaces) {
  EXPECT_EQ(
      Text("m", {{"key", "value"}, {"key2", "value with spaces"}}).substr(33),
      R"(key=value key2="value with spaces")"
      "\n");
}

TEST(TextLine, QuotesAndEscapesQuotesBackslashesAndEquals) {
  EXPECT_EQ(Text("m", {{"a", R"(say "hi")"}, {"b", R"(c:\x)"}, {"c", "k=v"}})
                .substr(33),
            R"(a="say \"hi\"" b="c:\\x" c="k=v")"
            "\n");
}

TEST(TextLine, QuotesEmptyValues) {
  EXPECT_EQ(Text("m", {{"empty", ""}}).substr(33), "empty=\"\"\n");
}

TEST(TextLine, EscapesControlCharactersEverywhere) {
  const std::string line =
      Text("two\nlines", {{"k\tey", "a\r\nb"}, {"bell", "\x07"}});
  EXPECT_EQ(line.substr(31), R"("two\nlines" "k\tey"="a\r\nb" bell="\u0007")"
                             "\n");
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(TextLine, QuotesMessagesThatLookLikeFields) {
  EXPECT_EQ(Text("user=admin").substr(31), "\"user=admin\"\n");
}

TEST(TextLine, ReplacesInvalidUtf8) {
  EXPECT_EQ(Text("m", {{"k", "a\xff"}}).substr(33), R"(k="a\ufffd")"
                                                    "\n");
}

TEST(TextLine, WritesNumbers) {
  EXPECT_EQ(Text("m", {{"i", -3}, {"u", 7u}, {"d", 0.25}}).substr(33),
            "i=-3 u=7 d=0.25\n");
}

using test_support::CapturingSink;

TEST(Logger, DropsEventsBelowMinLevel) {
  CapturingSink sink;
  const Logger logger(sink, LogLevel::kWarn, LogFormat::kJson);
  logger.Debug("d");
  logger.Info("i");
  logger.Warn("w");
  logger.Error("e");
  ASSERT_EQ(sink.Lines().size(), 2u);
  EXPECT_EQ(MsgOf(sink.Lines()[0]), "w");
  EXPECT_EQ(MsgOf(sink.Lines()[1]), "e");
  EXPECT_FALSE(logger.Enabled(LogLevel::kInfo));
  EXPECT_TRUE(logger.Enabled(LogLevel::kError));
}

TEST(Logger, WritesOneJsonLinePerEvent) {
  CapturingSink sink;
  const Logger logger(sink, LogLevel::kDebug, LogFormat::kJson);
  logger.Info("first", {{"n", 1}});
  logger.Info("second", {{"n", 2}});
  ASSERT_EQ(sink.Lines().size(), 2u);
  EXPECT_EQ(ParseLine(sink.Lines()[0]).at("n").as_int64(), 1);
  EXPECT_EQ(ParseLine(sink.Lines()[1]).at("msg").as_string(), "second");
}

TEST(Logger, TakesFieldsBuiltAtRunTime) {
  CapturingSink sink;
  const Logger logger(sink, LogLevel::kInfo, LogFormat::kJson);
  std::vector<Field> fields;
  for (const char* key : {"a", "b", "c"}) fields.emplace_back(key, key);
  logger.Log(LogLevel::kInfo, "built", fields);
  ASSERT_EQ(sink.Lines().size(), 1u);
  const boost::json::object line = ParseLine(sink.Lines()[0]);
  EXPECT_EQ(line.size(), 6u);
  EXPECT_EQ(line.at("c").as_string(), "c");
}

TEST(Logger, WritesTextWhenAsked) {
  CapturingSink sink;
  const Logger logger(sink, LogLevel::kDebug, LogFormat::kText);
  logger.Error("boom", {{"code", 7}});
  ASSERT_EQ(sink.Lines().size(), 1u);
  EXPECT_EQ(sink.Lines()[0].substr(24), " ERROR boom code=7\n");
}

}  // namespace
}  // namespace twelve
