#include "backing/postgres/postgres_input_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "backing/postgres/postgres_protocol.hpp"

namespace twelve::backing::pg {
namespace {

using namespace std::string_literals;

void Feed(InputBuffer& in, std::string_view bytes) {
  std::span<char> room = in.Prepare(bytes.size());
  ASSERT_GE(room.size(), bytes.size());
  std::copy(bytes.begin(), bytes.end(), room.begin());
  in.Commit(bytes.size());
}

// The next message, which the test expects to be well formed.
std::optional<Message> NextOk(InputBuffer& in) {
  Result<std::optional<Message>> next = in.Next();
  EXPECT_TRUE(next.ok()) << next.status().ToString();
  return next.ok() ? *next : std::nullopt;
}

TEST(PostgresInputBuffer, EmptyHasNoMessage) {
  InputBuffer in;
  EXPECT_EQ(in.size(), 0u);
  EXPECT_EQ(NextOk(in), std::nullopt);
  EXPECT_EQ(in.TakeByte(), std::nullopt);
}

TEST(PostgresInputBuffer, MessageArrivingByteByByte) {
  InputBuffer in;
  const std::string wire =
      "C\0\0\0\x0f"
      "INSERT 0 1\0"s;
  for (std::size_t i = 0; i + 1 < wire.size(); ++i) {
    Feed(in, wire.substr(i, 1));
    EXPECT_EQ(NextOk(in), std::nullopt) << "after " << i + 1 << " bytes";
  }
  Feed(in, wire.substr(wire.size() - 1));
  std::optional<Message> message = NextOk(in);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->type, 'C');
  EXPECT_EQ(message->body, "INSERT 0 1\0"s);
  EXPECT_EQ(in.size(), 0u);
  EXPECT_EQ(NextOk(in), std::nullopt);
}

TEST(PostgresInputBuffer, SeveralMessagesInOneCommitStayValid) {
  InputBuffer in;
  Feed(in,
       "1\0\0\0\x04"
       "2\0\0\0\x04"
       "D\0\0\0\x0b"
       "\0\x01"
       "\0\0\0\x01"
       "7"
       "Z\0\0\0\x05"
       "I"
       "C"s);
  std::optional<Message> parse = NextOk(in);
  std::optional<Message> bind = NextOk(in);
  std::optional<Message> row = NextOk(in);
  std::optional<Message> ready = NextOk(in);
  EXPECT_EQ(NextOk(in), std::nullopt);  // "C": only a type byte so far
  EXPECT_EQ(in.size(), 1u);
  ASSERT_TRUE(parse && bind && row && ready);
  // Every view still reads its own bytes after the later Next calls.
  EXPECT_EQ(parse->type, '1');
  EXPECT_EQ(parse->body, "");
  EXPECT_EQ(bind->type, '2');
  EXPECT_EQ(bind->body, "");
  EXPECT_EQ(row->type, 'D');
  EXPECT_EQ(row->body,
            "\0\x01"
            "\0\0\0\x01"
            "7"s);
  EXPECT_EQ(ready->type, 'Z');
  EXPECT_EQ(ready->body, "I");
}

TEST(PostgresInputBuffer, LengthBelowFourIsNotTheProtocol) {
  InputBuffer in;
  Feed(in,
       "Z\0\0\0\x03"
       "I"s);
  Result<std::optional<Message>> next = in.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(next.status().message(),
            "postgres: the server sent a message length of 3, less than 4: "
            "the stream is not the PostgreSQL protocol");
}

TEST(PostgresInputBuffer, NegativeLengthIsNotTheProtocol) {
  InputBuffer in;
  Feed(in, "Z\xff\xff\xff\xff"s);
  Result<std::optional<Message>> next = in.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.status().message().find("not the PostgreSQL protocol"),
            std::string::npos);
}

TEST(PostgresInputBuffer, LengthOverTheDefaultLimit) {
  InputBuffer in;
  Feed(in, "D\x07\x5b\xcd\x15"s);  // 123456789, with no body yet
  Result<std::optional<Message>> next = in.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(next.status().message(),
            "postgres: the server sent a message of 123456789 bytes, more "
            "than the 8388608 allowed");
}

TEST(PostgresInputBuffer, LengthAtTheLimitIsAcceptedAndOneOverIsNot) {
  InputBuffer at_limit(8);
  Feed(at_limit,
       "R\0\0\0\x08"
       "\0\0\0\0"s);
  std::optional<Message> message = NextOk(at_limit);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->body, "\0\0\0\0"s);

  InputBuffer over(7);
  Feed(over, "R\0\0\0\x08"s);
  Result<std::optional<Message>> next = over.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().message(),
            "postgres: the server sent a message of 8 bytes, more than the 7 "
            "allowed");
}

TEST(PostgresInputBuffer, TakeByteAnswersSslRequestThenMessagesFollow) {
  InputBuffer in;
  Feed(in, "S"s);
  EXPECT_EQ(in.TakeByte(), 'S');
  EXPECT_EQ(in.TakeByte(), std::nullopt);
  Feed(in,
       "N"
       "R\0\0\0\x08"
       "\0\0\0\0"s);
  EXPECT_EQ(in.TakeByte(), 'N');
  std::optional<Message> message = NextOk(in);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->type, 'R');
  EXPECT_EQ(message->body, "\0\0\0\0"s);
}

TEST(PostgresInputBuffer, ClearDropsPendingBytes) {
  InputBuffer in;
  Feed(in,
       "C\0\0\0\x0f"
       "INSE"s);
  EXPECT_EQ(in.size(), 9u);
  in.Clear();
  EXPECT_EQ(in.size(), 0u);
  EXPECT_EQ(NextOk(in), std::nullopt);
  Feed(in,
       "Z\0\0\0\x05"
       "T"s);
  std::optional<Message> message = NextOk(in);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->type, 'Z');
  EXPECT_EQ(message->body, "T");
}

TEST(PostgresInputBuffer, PrepareGivesAtLeastWhatIsAsked) {
  InputBuffer in;
  EXPECT_GE(in.Prepare(1).size(), 1u);
  EXPECT_GE(in.Prepare(100000).size(), 100000u);
  EXPECT_GE(in.Prepare().size(), 16u * 1024);
}

TEST(PostgresInputBuffer, CompactsAPartialMessageInsteadOfGrowing) {
  InputBuffer in;
  std::span<char> room = in.Prepare(64);
  ASSERT_GE(room.size(), 64u);
  char* base = room.data();
  std::size_t capacity = room.size();
  // A whole message, then the first bytes of the next, up to the end.
  std::string first = "C\0\0\0"s + static_cast<char>(capacity - 10 - 1) +
                      std::string(capacity - 10 - 5, 'a');
  std::string second =
      "D\0\0\0\x0b"
      "\0\x01"
      "\0\0\0\x01"
      "7"s;
  std::string wire = first + second.substr(0, 10);
  ASSERT_EQ(wire.size(), capacity);
  std::copy(wire.begin(), wire.end(), room.begin());
  in.Commit(wire.size());
  ASSERT_TRUE(NextOk(in).has_value());
  EXPECT_EQ(NextOk(in), std::nullopt);

  std::span<char> more = in.Prepare(capacity - 10);
  EXPECT_EQ(more.data(), base + 10);  // moved to the front, not reallocated
  EXPECT_EQ(more.size(), capacity - 10);
  Feed(in, second.substr(10));
  std::optional<Message> message = NextOk(in);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->type, 'D');
  EXPECT_EQ(message->body,
            "\0\x01"
            "\0\0\0\x01"
            "7"s);
}

TEST(PostgresInputBuffer, BigDataRowGrowsTheBuffer) {
  InputBuffer in;
  const std::size_t value_size = 3 * 1024 * 1024 + 7;
  std::string value(value_size, '\0');
  for (std::size_t i = 0; i < value.size(); ++i)
    value[i] = "0123456789"[i % 10];
  std::string body = "\0\x01"s;
  std::string length;
  std::uint32_t n = static_cast<std::uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    length.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  body += length + value;
  std::string wire = "D" + std::string(4, '\0') + body +
                     "Z\0\0\0\x05"
                     "I"s;
  std::uint32_t message_length = static_cast<std::uint32_t>(body.size() + 4);
  for (int i = 0; i < 4; ++i) {
    wire[1 + i] = static_cast<char>((message_length >> (24 - 8 * i)) & 0xff);
  }
  // Received 4 KiB at a time, as a socket would deliver it.
  std::optional<Message> message;
  std::size_t at = 0;
  while (at < wire.size() && !message) {
    std::span<char> room = in.Prepare(4096);
    std::size_t n = std::min<std::size_t>(4096, wire.size() - at);
    ASSERT_GE(room.size(), n);
    std::copy_n(wire.begin() + at, n, room.begin());
    in.Commit(n);
    at += n;
    message = NextOk(in);
  }
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->type, 'D');
  std::vector<std::optional<std::string>> row;
  ASSERT_TRUE(DecodeDataRow(message->body, row).ok());
  ASSERT_EQ(row.size(), 1u);
  EXPECT_TRUE(row[0] == value);
  Feed(in, std::string_view(wire).substr(at));
  std::optional<Message> ready = NextOk(in);
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->type, 'Z');
  // Once consumed, the big buffer is not kept for the next small read.
  EXPECT_LT(in.Prepare(4096).size(), value_size);
}

}  // namespace
}  // namespace twelve::backing::pg
