#pragma once
// RedisReplyBounds: checks the bytes of Redis replies (RESP2) as they
// arrive, before hiredis' reader sees them. hiredis 0.14 keeps a bulk string
// until the whole of it has arrived, allocates an array's table from the
// count the server declares, and keeps a line until its CRLF comes: a
// broken or hostile server could make it hold any amount of memory. This
// scanner follows the replies' framing as hiredis does, with a few dozen
// bytes of state, and refuses a reply that would pass a bound (or that
// breaks the protocol) before any of its bytes past the bound is kept.
//
// Stricter than hiredis, never looser: what it lets through, hiredis frames
// the same way (a length or count must be decimal; a bulk string must end
// with CRLF; integers must fit 64 bits).
//
// Threading: none; one scanner belongs to one connection.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "twelve/status.hpp"

namespace twelve::backing {

class RedisReplyBounds {
 public:
  // The bytes of one reply on the wire (its bulk strings' contents, lines
  // and headers). A counter's reply is a few bytes; 8 MiB leaves room for
  // values a generic client might keep (a session, a cached page) while a
  // connection's worst case (hiredis holds the reply's bytes and then a
  // copy of each string) stays near 16 MiB per I/O thread.
  static constexpr std::size_t kMaxReplyBytes = 8 * 1024 * 1024;
  // The elements of one reply's arrays, nested ones included. hiredis
  // allocates an object of about 64 bytes (with its pointer in the
  // parent's table) per element: 65,536 of them cost about 4 MiB, in line
  // with kMaxReplyBytes; a million would cost 64 MiB.
  static constexpr std::int64_t kMaxReplyElements = 65'536;
  // Arrays in arrays: hiredis 0.14's reader has a stack of 9 tasks and
  // refuses a ninth level; checked here too, to say so plainly.
  static constexpr int kMaxDepth = 8;
  // A status, error or integer line, or a header: Redis's own are short
  // (its errors a few hundred bytes); a longer one is not the protocol.
  // Bounded apart from kMaxReplyBytes because hiredis searches the whole
  // buffered line for its CRLF each time bytes arrive.
  static constexpr std::size_t kMaxLineBytes = 64 * 1024;

  // Checks `bytes`, the next bytes received, and returns how many of them
  // may be given to the reader: all of them, or those before the first
  // byte that breaks a bound or the protocol; status() then says what. Once
  // it is not OK, nothing more is accepted.
  std::size_t Scan(std::string_view bytes);
  // OK, or kUnavailable saying why the bytes after the accepted ones were
  // refused.
  const Status& status() const { return status_; }

 private:
  enum class Expect { kType, kLine, kBulk, kBulkEnd };

  bool Take(char byte);
  bool EndOfLine();
  bool StartBulk(std::int64_t length);
  bool StartArray(std::int64_t count);
  void EndValue();
  bool Fail(std::string why);

  Expect expect_ = Expect::kType;
  char type_ = 0;       // of the line being read
  std::string number_;  // a line's text, when it holds a number
  std::size_t line_bytes_ = 0;
  bool carriage_return_ = false;  // the line's last byte was '\r'
  std::int64_t bulk_left_ = 0;    // content bytes still to come
  int bulk_end_ = 0;              // bytes of the bulk's CRLF seen
  // Elements still owed to each open array, outermost first.
  std::int64_t owed_[kMaxDepth] = {};
  int depth_ = 0;
  std::size_t reply_bytes_ = 0;
  std::int64_t reply_elements_ = 0;
  Status status_;
};

}  // namespace twelve::backing
