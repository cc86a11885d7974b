#include "backing/redis/redis_reply_bounds.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>

namespace twelve::backing {
namespace {

// Room for "-9223372036854775808" and a '\r'; longer is not a number.
constexpr std::size_t kMaxNumberText = 21;

std::string Printable(char byte) {
  char text[16];
  const auto value = static_cast<unsigned char>(byte);
  if (value >= 0x20 && value < 0x7f) {
    std::snprintf(text, sizeof(text), "'%c' (0x%02x)", byte, value);
  } else {
    std::snprintf(text, sizeof(text), "0x%02x", value);
  }
  return text;
}

// A decimal integer, as a whole: an optional '-' and digits.
std::optional<std::int64_t> ParseDecimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const char* end = text.data() + text.size();
  std::int64_t value = 0;
  const auto [at, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || at != end) return std::nullopt;
  return value;
}

}  // namespace

std::size_t RedisReplyBounds::Scan(std::string_view bytes) {
  if (!status_.ok()) return 0;
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (expect_ == Expect::kBulk) {  // contents: counted, skipped whole
      const std::size_t n = static_cast<std::size_t>(std::min<std::int64_t>(
          bulk_left_, static_cast<std::int64_t>(bytes.size() - at)));
      bulk_left_ -= static_cast<std::int64_t>(n);
      at += n;
      if (bulk_left_ == 0) expect_ = Expect::kBulkEnd;
      continue;
    }
    if (!Take(bytes[at])) return at;
    ++at;
  }
  return at;
}

bool RedisReplyBounds::Take(char byte) {
  if (++reply_bytes_ > kMaxReplyBytes) {
    return Fail("a reply of more than " + std::to_string(kMaxReplyBytes) +
                " bytes, the most one may hold");
  }
  switch (expect_) {
    case Expect::kType:
      if (byte == '*' && depth_ == kMaxDepth) {
        return Fail("arrays nested more than " + std::to_string(kMaxDepth) +
                    " deep, the most hiredis' reader supports");
      }
      if (byte != '+' && byte != '-' && byte != ':' && byte != '$' &&
          byte != '*') {
        return Fail("a reply that starts with the byte " + Printable(byte) +
                    ", not a RESP type (+ - : $ *)");
      }
      type_ = byte;
      expect_ = Expect::kLine;
      line_bytes_ = 0;
      number_.clear();
      carriage_return_ = false;
      return true;
    case Expect::kLine:
      if (carriage_return_ && byte == '\n') return EndOfLine();
      carriage_return_ = byte == '\r';
      if (++line_bytes_ > kMaxLineBytes) {
        return Fail("a line of more than " + std::to_string(kMaxLineBytes) +
                    " bytes without its CRLF");
      }
      if (type_ == '+' || type_ == '-') return true;
      if (number_.size() == kMaxNumberText) {
        return Fail(std::string("a '") + type_ +
                    "' line longer than any 64-bit decimal integer");
      }
      number_ += byte;
      return true;
    case Expect::kBulkEnd:
      if (byte != (bulk_end_ == 0 ? '\r' : '\n')) {
        return Fail("a bulk string not followed by CRLF");
      }
      if (++bulk_end_ == 2) EndValue();
      return true;
    case Expect::kBulk:
      break;  // Scan skips contents without calling Take
  }
  return true;
}

bool RedisReplyBounds::EndOfLine() {
  if (type_ == '+' || type_ == '-') {
    EndValue();
    return true;
  }
  number_.pop_back();  // the '\r'
  const std::optional<std::int64_t> parsed = ParseDecimal(number_);
  if (!parsed) {
    return Fail(std::string("a '") + type_ + "' line that is not a 64-bit " +
                "decimal integer");
  }
  const std::int64_t value = *parsed;
  if (type_ == ':') {
    EndValue();
    return true;
  }
  if (value < -1) {
    return Fail(std::string("a '") + type_ + "' length of " +
                std::to_string(value));
  }
  if (value == -1) {  // nil
    EndValue();
    return true;
  }
  return type_ == '$' ? StartBulk(value) : StartArray(value);
}

bool RedisReplyBounds::StartBulk(std::int64_t length) {
  const auto max = static_cast<std::int64_t>(kMaxReplyBytes);
  if (length > max) {
    return Fail("a bulk string of " + std::to_string(length) +
                " bytes, more than the " + std::to_string(kMaxReplyBytes) +
                " a reply may hold");
  }
  if (static_cast<std::int64_t>(reply_bytes_) + length + 2 > max) {
    return Fail("a reply of more than " + std::to_string(kMaxReplyBytes) +
                " bytes, the most one may hold");
  }
  reply_bytes_ += static_cast<std::size_t>(length);
  bulk_left_ = length;
  bulk_end_ = 0;
  expect_ = length == 0 ? Expect::kBulkEnd : Expect::kBulk;
  return true;
}

bool RedisReplyBounds::StartArray(std::int64_t count) {
  if (count > kMaxReplyElements) {
    return Fail("an array of " + std::to_string(count) +
                " elements, more than the " +
                std::to_string(kMaxReplyElements) + " a reply may hold");
  }
  if (reply_elements_ + count > kMaxReplyElements) {
    return Fail("a reply of more than " + std::to_string(kMaxReplyElements) +
                " array elements, the most one may hold");
  }
  reply_elements_ += count;
  if (count == 0) {
    EndValue();
    return true;
  }
  owed_[depth_++] = count;
  expect_ = Expect::kType;
  return true;
}

// A value is whole: it counts toward its array, and may end the reply.
void RedisReplyBounds::EndValue() {
  expect_ = Expect::kType;
  while (depth_ > 0) {
    if (--owed_[depth_ - 1] > 0) return;
    --depth_;
  }
  reply_bytes_ = 0;
  reply_elements_ = 0;
}

bool RedisReplyBounds::Fail(std::string why) {
  status_ = Status::Unavailable("the server sent " + std::move(why));
  return false;
}

}  // namespace twelve::backing
