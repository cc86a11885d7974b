#include "backing/postgres/postgres_input_buffer.hpp"

#include <endian.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>

namespace twelve::backing::pg {
namespace {

constexpr std::size_t kHeaderSize = 5;  // type byte + Int32 length
// An idle buffer larger than this is given back, so that one big result
// does not pin its memory for the life of the connection.
constexpr std::size_t kKeepAtMost = 1024 * 1024;

// A message's length: a big-endian Int32 (counting itself).
std::int32_t LengthAt(const char* bytes) {
  std::uint32_t raw = 0;
  std::memcpy(&raw, bytes, sizeof(raw));
  return static_cast<std::int32_t>(be32toh(raw));
}

}  // namespace

InputBuffer::InputBuffer(std::size_t max_message) : max_message_(max_message) {}

std::span<char> InputBuffer::Prepare(std::size_t at_least) {
  std::size_t pending = size();
  if (pending == 0) {
    begin_ = end_ = 0;
    if (bytes_.size() > kKeepAtMost && at_least <= kKeepAtMost) {
      std::vector<char>().swap(bytes_);
    }
  }
  if (bytes_.size() - end_ < at_least && begin_ > 0) {
    // The consumed bytes in front are room enough, or at least make the
    // growth below copy less.
    std::memmove(bytes_.data(), bytes_.data() + begin_, pending);
    begin_ = 0;
    end_ = pending;
  }
  if (bytes_.size() - end_ < at_least) {
    bytes_.resize(std::max(bytes_.size() * 2, end_ + at_least));
  }
  return {bytes_.data() + end_, bytes_.size() - end_};
}

void InputBuffer::Commit(std::size_t n) {
  assert(n <= bytes_.size() - end_);
  end_ += n;
}

Result<std::optional<Message>> InputBuffer::Next() {
  if (size() < kHeaderSize) return std::optional<Message>();
  const char* head = bytes_.data() + begin_;
  std::int32_t length = LengthAt(head + 1);
  if (length < 4) {
    return Status::Unavailable(
        "postgres: the server sent a message length of " +
        std::to_string(length) +
        ", less than 4: the stream is not the PostgreSQL protocol");
  }
  if (static_cast<std::size_t>(length) > max_message_) {
    return Status::Unavailable(
        "postgres: the server sent a message of " + std::to_string(length) +
        " bytes, more than the " + std::to_string(max_message_) + " allowed");
  }
  std::size_t whole = 1 + static_cast<std::size_t>(length);
  if (size() < whole) return std::optional<Message>();
  Message message{head[0],
                  std::string_view(head + kHeaderSize, whole - kHeaderSize)};
  begin_ += whole;  // the bytes stay where they are: the view needs them
  return std::optional<Message>(message);
}

std::optional<char> InputBuffer::TakeByte() {
  if (size() == 0) return std::nullopt;
  return bytes_[begin_++];
}

std::size_t InputBuffer::size() const { return end_ - begin_; }

void InputBuffer::Clear() { begin_ = end_ = 0; }

}  // namespace twelve::backing::pg
