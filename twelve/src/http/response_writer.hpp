#pragma once
// Serializes responses straight into a connection's output buffer.
//
// Hand-written rather than Beast's serializer: a response is a handful of
// appends, and pipelined responses of one batch share one buffer and one
// write.

#include <ctime>
#include <string>
#include <string_view>

#include "twelve/http/message.hpp"

namespace twelve::http {

// The Date header value, formatted at most once a second per owner. Not
// thread-safe: each I/O thread owns one.
class DateCache {
 public:
  std::string_view Now();

 private:
  std::time_t second_ = -1;
  char text_[32] = {};
  std::size_t size_ = 0;
};

struct ResponseFraming {
  int version = 11;        // of the request: 10 or 11
  bool keep_alive = true;  // false adds "Connection: close"
  bool head = false;       // HEAD: headers as for GET, no body
};

// Appends the response to `out` and returns true; returns false and appends
// nothing when the response cannot be sent safely (a status outside 200-599,
// a header with CR/LF or a bad name, a header the server owns such as
// Content-Length, a 204 with a body). `why` then says what was wrong. A 204
// is written without Content-Type and Content-Length (RFC 9110, 8.6).
bool AppendResponse(std::string& out, const Response& response,
                    std::string_view date, const ResponseFraming& framing,
                    std::string_view* why = nullptr);

}  // namespace twelve::http
