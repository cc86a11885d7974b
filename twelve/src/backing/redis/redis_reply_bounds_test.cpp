#include "backing/redis/redis_reply_bounds.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

namespace twelve::backing {
namespace {

using Bounds = RedisReplyBounds;

// Scans `bytes` one byte at a time, as the worst split a socket could give.
std::size_t ScanByteByByte(Bounds& bounds, const std::string& bytes) {
  std::size_t accepted = 0;
  for (char byte : bytes) {
    const std::size_t n = bounds.Scan(std::string_view(&byte, 1));
    accepted += n;
    if (n == 0) break;
  }
  return accepted;
}

std::string Nested(int depth, const std::string& inner) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += "*1\r\n";
  return out + inner;
}

TEST(RedisReplyBounds, AcceptsEveryRespTwoType) {
  const std::string replies =
      "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n"
      "*-1\r\n*0\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n";
  Bounds whole;
  EXPECT_EQ(whole.Scan(replies), replies.size()) << whole.status().message();
  Bounds split;
  EXPECT_EQ(ScanByteByByte(split, replies), replies.size())
      << split.status().message();
}

TEST(RedisReplyBounds, AcceptsABulkStringWithCrlfInside) {
  const std::string reply = "$4\r\n\r\n\r\n\r\n:1\r\n";
  Bounds bounds;
  EXPECT_EQ(bounds.Scan(reply), reply.size()) << bounds.status().message();
}

TEST(RedisReplyBounds, RefusesABulkStringOverTheLimitAtItsHeader) {
  Bounds bounds;
  const std::string header = "$104857600\r\n";
  EXPECT_EQ(bounds.Scan(header + "xxxx"), header.size() - 1);
  EXPECT_EQ(bounds.status().message(),
            "the server sent a bulk string of 104857600 bytes, more than the "
            "8388608 a reply may hold");
  EXPECT_EQ(bounds.Scan(":1\r\n"), 0u);  // and nothing after
}

TEST(RedisReplyBounds, AcceptsABulkStringAtTheLimit) {
  const std::string header =
      "$" + std::to_string(Bounds::kMaxReplyBytes - 20) + "\r\n";
  Bounds bounds;
  EXPECT_EQ(bounds.Scan(header), header.size());
  const std::string contents(Bounds::kMaxReplyBytes - 20, 'x');
  EXPECT_EQ(bounds.Scan(contents), contents.size());
  EXPECT_EQ(bounds.Scan("\r\n"), 2u) << bounds.status().message();
}

TEST(RedisReplyBounds, RefusesAnArrayOfAMillionElementsAtItsHeader) {
  Bounds bounds;
  EXPECT_LT(bounds.Scan("*1000000\r\n:1\r\n"), 10u);
  EXPECT_EQ(bounds.status().message(),
            "the server sent an array of 1000000 elements, more than the "
            "65536 a reply may hold");
}

TEST(RedisReplyBounds, CountsTheElementsOfNestedArraysTogether) {
  Bounds bounds;
  std::string inner = "*1000\r\n";
  for (int i = 0; i < 1000; ++i) inner += ":1\r\n";
  std::size_t accepted = bounds.Scan("*1000\r\n");
  int arrays = 0;
  while (accepted > 0 && arrays < 1000) {
    accepted = bounds.Scan(inner);
    if (accepted == inner.size()) ++arrays;
    if (accepted < inner.size()) break;
  }
  // 1000 + 64 * 1000 elements fit; a 65th inner array would pass 65,536.
  EXPECT_EQ(arrays, 64);
  EXPECT_EQ(bounds.status().message(),
            "the server sent a reply of more than 65536 array elements, the "
            "most one may hold");
}

TEST(RedisReplyBounds, ResetsItsCountsAfterEachReply) {
  std::string reply = "*60000\r\n";
  for (int i = 0; i < 60000; ++i) reply += ":1\r\n";
  Bounds bounds;
  EXPECT_EQ(bounds.Scan(reply), reply.size());
  EXPECT_EQ(bounds.Scan(reply), reply.size()) << bounds.status().message();
}

TEST(RedisReplyBounds, RefusesManyBulkStringsPastTheByteLimit) {
  const std::string element =
      "$1000000\r\n" + std::string(1000000, 'x') + "\r\n";
  Bounds bounds;
  ASSERT_EQ(bounds.Scan("*100\r\n"), 6u);
  int accepted = 0;
  while (bounds.Scan(element) == element.size()) ++accepted;
  EXPECT_EQ(accepted, 8);
  EXPECT_EQ(bounds.status().message(),
            "the server sent a reply of more than 8388608 bytes, the most "
            "one may hold");
}

TEST(RedisReplyBounds, RefusesAByteThatIsNoReplyType) {
  Bounds bounds;
  EXPECT_EQ(bounds.Scan(":1\r\n!oops\r\n"), 4u);
  EXPECT_EQ(bounds.status().message(),
            "the server sent a reply that starts with the byte '!' (0x21), "
            "not a RESP type (+ - : $ *)");
  Bounds binary;
  EXPECT_EQ(binary.Scan(std::string("\x00", 1)), 0u);
  EXPECT_EQ(binary.status().message(),
            "the server sent a reply that starts with the byte 0x00, not a "
            "RESP type (+ - : $ *)");
}

TEST(RedisReplyBounds, RefusesALineWithoutItsCrlf) {
  Bounds bounds;
  const std::string line = "+" + std::string(Bounds::kMaxLineBytes, 'a');
  EXPECT_EQ(bounds.Scan(line), line.size());
  EXPECT_EQ(bounds.Scan("a"), 0u);
  EXPECT_EQ(bounds.status().message(),
            "the server sent a line of more than 65536 bytes without its "
            "CRLF");
}

TEST(RedisReplyBounds, RefusesLengthsAndIntegersThatAreNotDecimal) {
  for (const char* reply :
       {"$abc\r\n", "*1x\r\n", ":12a\r\n", "$\r\n", ":\r\n",
        ":99999999999999999999\r\n", ":123456789012345678901234\r\n"}) {
    Bounds bounds;
    EXPECT_LT(bounds.Scan(reply), std::string(reply).size()) << reply;
    EXPECT_NE(bounds.status().message().find("decimal integer"),
              std::string::npos)
        << reply << ": " << bounds.status().message();
  }
}

TEST(RedisReplyBounds, RefusesNegativeLengthsOtherThanNil) {
  Bounds bounds;
  EXPECT_LT(bounds.Scan("$-2\r\n"), 5u);
  EXPECT_EQ(bounds.status().message(), "the server sent a '$' length of -2");
  EXPECT_EQ(bounds.status().code(), StatusCode::kUnavailable);
}

TEST(RedisReplyBounds, RefusesABulkStringNotEndedByCrlf) {
  Bounds bounds;
  EXPECT_EQ(bounds.Scan("$2\r\nabXY"), 6u);
  EXPECT_EQ(bounds.status().message(),
            "the server sent a bulk string not followed by CRLF");
}

TEST(RedisReplyBounds, NestsAsDeepAsHiredisAndNoDeeper) {
  Bounds deepest;
  const std::string eight = Nested(Bounds::kMaxDepth, ":1\r\n");
  EXPECT_EQ(deepest.Scan(eight), eight.size()) << deepest.status().message();

  Bounds deeper;
  const std::string nine = Nested(Bounds::kMaxDepth + 1, ":1\r\n");
  EXPECT_EQ(deeper.Scan(nine), 4u * Bounds::kMaxDepth);
  EXPECT_EQ(deeper.status().message(),
            "the server sent arrays nested more than 8 deep, the most "
            "hiredis' reader supports");
}

// The bound matches hiredis 0.14's own: what the scanner lets through, the
// reader parses.
TEST(RedisReplyBounds, HiredisReadsTheDeepestNestingItAccepts) {
  const std::string eight = Nested(Bounds::kMaxDepth, ":1\r\n");
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader(
      redisReaderCreate(), redisReaderFree);
  ASSERT_EQ(redisReaderFeed(reader.get(), eight.data(), eight.size()),
            REDIS_OK);
  void* reply = nullptr;
  ASSERT_EQ(redisReaderGetReply(reader.get(), &reply), REDIS_OK)
      << reader->errstr;
  ASSERT_NE(reply, nullptr);
  freeReplyObject(reply);

  const std::string nine = Nested(Bounds::kMaxDepth + 1, ":1\r\n");
  std::unique_ptr<redisReader, void (*)(redisReader*)> refusing(
      redisReaderCreate(), redisReaderFree);
  ASSERT_EQ(redisReaderFeed(refusing.get(), nine.data(), nine.size()),
            REDIS_OK);
  EXPECT_EQ(redisReaderGetReply(refusing.get(), &reply), REDIS_ERR);
}

}  // namespace
}  // namespace twelve::backing
