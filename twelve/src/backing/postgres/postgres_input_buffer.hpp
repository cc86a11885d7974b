#pragma once
// InputBuffer: the bytes a PostgreSQL server sent and the driver has not
// decoded yet, cut into whole messages (a type byte, an Int32 length, the
// body). A length that cannot be the protocol, or one over the limit, is an
// error value, so a broken or hostile server cannot make the driver read
// past what it sent or allocate without bound.
//
// Threading: none; an InputBuffer belongs to one connection.

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "twelve/status.hpp"

namespace twelve::backing::pg {

// One whole message: its type byte and its body (the bytes after the
// length). The body views the InputBuffer it came from.
struct Message {
  char type = 0;
  std::string_view body;
};

// The bytes received and not yet decoded.
class InputBuffer {
 public:
  // As large as a whole result may be (PostgresPipeline::kMaxResultBytes):
  // a bigger message could only be refused after it was buffered, so it is
  // refused at its header, before the buffer grows for it. Nothing else
  // the server sends comes near (errors, notices and row descriptions are
  // kilobytes). A partial message grows the buffer by doubling, so a
  // connection buffers at most about twice this.
  static constexpr std::size_t kDefaultMaxMessage = 8 * 1024 * 1024;

  explicit InputBuffer(std::size_t max_message = kDefaultMaxMessage);

  // Room for at least `at_least` more bytes, to receive into. Invalidates
  // the views of messages returned before.
  std::span<char> Prepare(std::size_t at_least = 16 * 1024);
  // `n` bytes were received into the span Prepare returned.
  void Commit(std::size_t n);
  // The next whole message, consumed; nullopt when more bytes are needed;
  // an error when the bytes cannot be the protocol (a length below 4 or
  // above max_message: the error says which). The view stays valid until
  // the next Prepare or Clear.
  Result<std::optional<Message>> Next();
  // The single byte that answers an SSLRequest, consumed; nullopt when none
  // has arrived yet.
  std::optional<char> TakeByte();
  // Bytes received and not consumed.
  std::size_t size() const;
  void Clear();

 private:
  std::size_t max_message_;
  std::vector<char> bytes_;
  std::size_t begin_ = 0;  // first byte not consumed
  std::size_t end_ = 0;    // one past the last byte received
};

}  // namespace twelve::backing::pg
