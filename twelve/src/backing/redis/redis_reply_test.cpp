#include "twelve/backing/redis_reply.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace twelve::redis {
namespace {

TEST(RedisReply, DefaultIsNil) {
  const Reply reply;
  EXPECT_TRUE(reply.is_nil());
  EXPECT_EQ(reply.type(), ReplyType::kNil);
  EXPECT_EQ(reply, Reply::Nil());
}

TEST(RedisReply, IntegerConvertsToItsValue) {
  const Reply reply = Reply::Integer(-42);
  EXPECT_TRUE(reply.is_integer());
  EXPECT_EQ(reply.integer(), -42);
  EXPECT_EQ(*reply.ToInteger(), -42);
}

TEST(RedisReply, BulkStringKeepsEveryByte) {
  const std::string bytes("a\0b\r\nc", 6);
  const Reply reply = Reply::String(bytes);
  EXPECT_TRUE(reply.is_string());
  EXPECT_EQ(reply.text(), bytes);
  EXPECT_EQ(*reply.ToString(), bytes);
}

TEST(RedisReply, StatusIsOkAndAString) {
  const Reply reply = Reply::Status("OK");
  EXPECT_TRUE(reply.ToOk().ok());
  EXPECT_EQ(*reply.ToString(), "OK");
}

TEST(RedisReply, ArrayHoldsItsElementsInOrder) {
  const Reply reply = Reply::Array(
      {Reply::String("a"), Reply::Nil(), Reply::Array({Reply::Integer(1)})});
  ASSERT_TRUE(reply.is_array());
  ASSERT_EQ(reply.elements().size(), 3u);
  EXPECT_EQ(reply.elements()[0].text(), "a");
  EXPECT_TRUE(reply.elements()[1].is_nil());
  EXPECT_EQ(reply.elements()[2].elements()[0].integer(), 1);
  EXPECT_EQ(reply.ToArray()->size(), 3u);
}

TEST(RedisReply, ErrorReplyConvertsToInternalWithRedisText) {
  const Reply reply = Reply::Error("WRONGTYPE Operation against a key");
  EXPECT_TRUE(reply.is_error());
  for (const Status& status :
       {reply.ToInteger().status(), reply.ToString().status(),
        reply.ToArray().status(), reply.ToOk()}) {
    EXPECT_EQ(status.code(), StatusCode::kInternal);
    EXPECT_EQ(status.message(), "redis: WRONGTYPE Operation against a key");
  }
}

TEST(RedisReply, WrongTypeNamesWhatWasExpectedAndWhatCame) {
  const Result<std::int64_t> integer = Reply::String("7").ToInteger();
  ASSERT_FALSE(integer.ok());
  EXPECT_EQ(integer.status().code(), StatusCode::kInternal);
  EXPECT_EQ(integer.status().message(),
            "redis: expected an integer reply, the server sent a bulk string");
  EXPECT_EQ(Reply::Nil().ToString().status().message(),
            "redis: expected a bulk string reply, the server sent nil");
  EXPECT_EQ(Reply::Integer(1).ToArray().status().message(),
            "redis: expected an array reply, the server sent an integer");
  EXPECT_EQ(Reply::String("OK").ToOk().message(),
            "redis: expected a status reply, the server sent a bulk string");
}

TEST(RedisReply, EqualityComparesTypeAndContent) {
  EXPECT_EQ(Reply::String("x"), Reply::String("x"));
  EXPECT_NE(Reply::String("x"), Reply::Status("x"));
  EXPECT_NE(Reply::Array({Reply::Nil()}), Reply::Array({}));
}

}  // namespace
}  // namespace twelve::redis
