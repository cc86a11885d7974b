#pragma once
// Reads back what the server wrote on one connection, as a client would: a
// sequence of HTTP/1.1 responses (interim 100 Continue allowed), each with
// a status line, header fields, exactly one Content-Length and that many
// body bytes, unless it answers a HEAD request. Anything else breaks an
// invariant of the HTTP fuzz target.

#include <charconv>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"

namespace twelve::fuzz {

struct SeenResponse {
  int status = 0;
  bool close = false;                // "Connection: close"
  std::optional<std::uint64_t> seq;  // X-Seq, set by the harness's handlers
  std::string_view body;
};

class ResponseStream {
 public:
  // `head_seqs`: the X-Seq values the harness gave HEAD requests (their
  // answers carry no body).
  explicit ResponseStream(const std::set<std::uint64_t>& head_seqs)
      : head_seqs_(head_seqs) {}

  // Every final response in `out`, in order.
  std::vector<SeenResponse> Parse(std::string_view out) {
    std::vector<SeenResponse> responses;
    while (!out.empty()) {
      constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      if (out.starts_with(kContinue)) {
        out.remove_prefix(kContinue.size());
        continue;
      }
      responses.push_back(ParseOne(out));
    }
    return responses;
  }

 private:
  SeenResponse ParseOne(std::string_view& out) {
    Require(out.starts_with("HTTP/1.1 "), "a response starts with HTTP/1.1");
    std::size_t head_end = out.find("\r\n\r\n");
    Require(head_end != std::string_view::npos, "a response head ends");
    std::string_view head = out.substr(0, head_end + 2);
    out.remove_prefix(head_end + 4);

    SeenResponse response;
    std::size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    head.remove_prefix(line_end + 2);
    Require(status_line.size() > 13 && status_line[12] == ' ',
            "a status line is HTTP/1.1 NNN Reason");
    response.status = Number(status_line.substr(9, 3), "status code");
    Require(response.status >= 200 && response.status <= 599,
            "a final status is 200-599");

    std::optional<std::size_t> length;
    while (!head.empty()) {
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      head.remove_prefix(line_end + 2);
      std::size_t colon = line.find(": ");
      Require(colon != std::string_view::npos && colon > 0,
              "a header field is Name: value");
      std::string_view name = line.substr(0, colon);
      std::string_view value = line.substr(colon + 2);
      if (name == "Content-Length") {
        Require(!length, "one Content-Length per response");
        length = Number(value, "Content-Length");
      } else if (name == "Connection") {
        response.close = value == "close";
      } else if (name == "X-Seq") {
        response.seq = Number(value, "X-Seq");
      }
    }
    Require(length.has_value(), "every response has a Content-Length");
    if (HasBody(response, *length, out)) {
      Require(out.size() >= *length, "a response body is sent whole");
      response.body = out.substr(0, *length);
      out.remove_prefix(*length);
    }
    return response;
  }

  // A HEAD answer has no body. The harness knows which of its handlers'
  // answers are HEAD ones; for the server's own answers (404, 405, 500,
  // rejections) a body is absent only where the next response or the end
  // follows at once (their bodies never start with "HTTP/").
  bool HasBody(const SeenResponse& response, std::size_t length,
               std::string_view rest) const {
    if (length == 0) return false;
    if (response.seq) return head_seqs_.count(*response.seq) == 0;
    return !(rest.empty() || rest.starts_with("HTTP/1.1 "));
  }

  static std::size_t Number(std::string_view text, std::string_view what) {
    std::size_t value = 0;
    auto [end, error] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    Require(error == std::errc() && end == text.data() + text.size() &&
                !text.empty(),
            std::string(what) + " is a number");
    return value;
  }

  const std::set<std::uint64_t>& head_seqs_;
};

}  // namespace twelve::fuzz
