#pragma once
// redis::Reply: one Redis reply as a plain value (RESP2): nil, an integer, a
// status ("OK", "PONG"), an error ("WRONGTYPE ..."), a bulk string (any
// bytes, NUL and CRLF included) or an array of replies (which may hold nils
// and arrays). A copy of what the server sent, owned by the caller; within
// the driver's bounds (at most 8 MiB and 65,536 array elements per reply).
//
// Two ways to read one:
//   - check the type, then use the accessor for it (a wrong one is a bug:
//     it asserts, and returns an empty value in release builds);
//   - or ask for what you expect and get a Result: ToInteger(), ToString(),
//     ToArray(), ToOk() fail with kInternal naming what was expected and
//     what came, and an error reply's text ("redis: WRONGTYPE ...").
//
//   Result<std::int64_t> count = reply.ToInteger();      // INCR
//   if (reply.is_nil()) { ... } else use(reply.text());  // GET
//
// Threading: a value; share it as any other.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/status.hpp"

namespace twelve::redis {

enum class ReplyType { kNil, kInteger, kStatus, kError, kString, kArray };

// "nil", "an integer", "a status", "an error", "a bulk string", "an array":
// for messages.
std::string_view ReplyTypeName(ReplyType type);

class Reply {
 public:
  Reply() = default;  // nil
  static Reply Nil() { return Reply(); }
  static Reply Integer(std::int64_t value);
  static Reply Status(std::string text);
  static Reply Error(std::string text);
  static Reply String(std::string bytes);
  static Reply Array(std::vector<Reply> elements);

  ReplyType type() const { return type_; }
  bool is_nil() const { return type_ == ReplyType::kNil; }
  bool is_integer() const { return type_ == ReplyType::kInteger; }
  bool is_status() const { return type_ == ReplyType::kStatus; }
  bool is_error() const { return type_ == ReplyType::kError; }
  bool is_string() const { return type_ == ReplyType::kString; }
  bool is_array() const { return type_ == ReplyType::kArray; }

  // kInteger only.
  std::int64_t integer() const;
  // The bytes of a bulk string, or the text of a status or an error.
  const std::string& text() const;
  // kArray only.
  const std::vector<Reply>& elements() const;

  // What the caller expects, or kInternal saying what came instead. An
  // error reply gives its text: "redis: WRONGTYPE Operation against ...".
  Result<std::int64_t> ToInteger() const;
  // A bulk string's bytes, or a status's text (TYPE and PING answer one).
  Result<std::string> ToString() const;
  Result<std::vector<Reply>> ToArray() const;
  // A status reply (SET answers "OK"); anything else fails.
  twelve::Status ToOk() const;

  friend bool operator==(const Reply&, const Reply&) = default;

 private:
  twelve::Status Unexpected(std::string_view expected) const;

  ReplyType type_ = ReplyType::kNil;
  std::int64_t integer_ = 0;
  std::string text_;
  std::vector<Reply> elements_;
};

}  // namespace twelve::redis
