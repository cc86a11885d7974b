#include "twelve/backing/redis_reply.hpp"

#include <cassert>
#include <utility>

namespace twelve::redis {
namespace {

// What a wrong accessor returns in release builds (it asserts in others).
const std::string kNoText;
const std::vector<Reply> kNoElements;

}  // namespace

std::string_view ReplyTypeName(ReplyType type) {
  switch (type) {
    case ReplyType::kNil:
      return "nil";
    case ReplyType::kInteger:
      return "an integer";
    case ReplyType::kStatus:
      return "a status";
    case ReplyType::kError:
      return "an error";
    case ReplyType::kString:
      return "a bulk string";
    case ReplyType::kArray:
      return "an array";
  }
  return "an unknown type";
}

Reply Reply::Integer(std::int64_t value) {
  Reply reply;
  reply.type_ = ReplyType::kInteger;
  reply.integer_ = value;
  return reply;
}

Reply Reply::Status(std::string text) {
  Reply reply;
  reply.type_ = ReplyType::kStatus;
  reply.text_ = std::move(text);
  return reply;
}

Reply Reply::Error(std::string text) {
  Reply reply;
  reply.type_ = ReplyType::kError;
  reply.text_ = std::move(text);
  return reply;
}

Reply Reply::String(std::string bytes) {
  Reply reply;
  reply.type_ = ReplyType::kString;
  reply.text_ = std::move(bytes);
  return reply;
}

Reply Reply::Array(std::vector<Reply> elements) {
  Reply reply;
  reply.type_ = ReplyType::kArray;
  reply.elements_ = std::move(elements);
  return reply;
}

std::int64_t Reply::integer() const {
  assert(is_integer());
  return is_integer() ? integer_ : 0;
}

const std::string& Reply::text() const {
  assert(is_string() || is_status() || is_error());
  return is_string() || is_status() || is_error() ? text_ : kNoText;
}

const std::vector<Reply>& Reply::elements() const {
  assert(is_array());
  return is_array() ? elements_ : kNoElements;
}

Result<std::int64_t> Reply::ToInteger() const {
  if (is_integer()) return integer_;
  return Unexpected("an integer");
}

Result<std::string> Reply::ToString() const {
  if (is_string() || is_status()) return text_;
  return Unexpected("a bulk string");
}

Result<std::vector<Reply>> Reply::ToArray() const {
  if (is_array()) return elements_;
  return Unexpected("an array");
}

twelve::Status Reply::ToOk() const {
  if (is_status()) return twelve::Status::Ok();
  return Unexpected("a status");
}

// An error reply carries Redis' reason, which says more than its type.
twelve::Status Reply::Unexpected(std::string_view expected) const {
  if (is_error()) return twelve::Status::Internal("redis: " + text_);
  return twelve::Status::Internal("redis: expected " + std::string(expected) +
                                  " reply, the server sent " +
                                  std::string(ReplyTypeName(type_)));
}

}  // namespace twelve::redis
