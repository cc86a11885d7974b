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

// The start of the last response head written, up to its Content-Length
// value ("HTTP/1.1 200 OK\r\nDate: ...\r\nContent-Type: ...\r\nContent-Length:
// "), and what it was made of (its Content-Type already checked). A
// server's answers mostly share their status and type and, within a second,
// their date: the start is then copied whole instead of being rebuilt and
// checked again (~200 instructions of a pipelined request). Not
// thread-safe: each I/O thread owns one.
class HeadCache {
 public:
  // Whether the start written last serves a response of this status, type
  // and date.
  bool Serves(const Response& response, std::string_view date) const {
    return response.status == status_ && date == date_ &&
           response.content_type.view() == content_type_;
  }
  // The start for this response (status not 204, Content-Type checked).
  void Remember(const Response& response, std::string_view date);
  std::string_view start() const { return start_; }

 private:
  int status_ = 0;
  std::string date_;
  std::string content_type_;
  std::string start_;
};

// Appends the response to `out` and returns true; returns false and appends
// nothing when the response cannot be sent safely (a status outside 200-599,
// a header with CR/LF or a bad name, a header the server owns such as
// Content-Length, a 204 with a body). `why` then says what was wrong. A 204
// is written without Content-Type and Content-Length (RFC 9110, 8.6).
// `heads`, when given, is used and updated: the bytes are the same.
bool AppendResponse(std::string& out, const Response& response,
                    std::string_view date, const ResponseFraming& framing,
                    std::string_view* why = nullptr,
                    HeadCache* heads = nullptr);

}  // namespace twelve::http
