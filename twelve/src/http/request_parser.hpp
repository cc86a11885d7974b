#pragma once
// RequestParser: Beast's HTTP/1 request parser, extended with the framing
// checks Beast lacks and with zero-copy field capture.
//
// Beast parses the request line, the header and a Content-Length body; a
// chunked body goes to ChunkedBodyDecoder, which bounds its lines and checks
// their grammar (Beast 1.81 does neither). Beast stops after the header
// (eager(false)), so a bodiless request is still parsed in one pass.
//
// Up to kMaxEmptyLines empty lines (CRLF) before the request line are
// skipped (RFC 9112 section 2.2); they count among the request's bytes. A
// higher minor version of HTTP/1 (HTTP/1.2) is parsed as HTTP/1.1 (RFC 9110
// section 2.5).
//
// Fields are recorded as offsets from the first byte of the request, not as
// pointers, so they stay valid when the read buffer grows and moves between
// reads. The caller keeps every byte of the request in one contiguous buffer
// until the request is done, and passes the request's current start to each
// call. One parser per request (Beast parsers are single-use).

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/chunked_body_decoder.hpp"
#include "http/framing.hpp"
#include "twelve/http/message.hpp"

namespace twelve::http {

// A header field as offsets from the request's first byte.
struct FieldSpan {
  std::uint32_t name_offset;
  std::uint32_t name_size;
  std::uint32_t value_offset;
  std::uint32_t value_size;
};

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  enum class State { kNeedMore, kDone, kError };

  // Empty lines skipped before a request line; one more is a 400. One is
  // what an old client sends after a POST body; a few leave room for more
  // careless ones without letting a client send nothing but empty lines.
  static constexpr int kMaxEmptyLines = 4;

  // `fields` is reused storage owned by the connection (cleared here), so a
  // steady stream of requests allocates nothing.
  RequestParser(std::uint64_t max_header_bytes, std::uint64_t max_body_bytes,
                std::vector<FieldSpan>& fields);

  // Parses more of the request whose bytes are [request, request + size).
  State Feed(const char* request, std::size_t size);

  // Bytes of the request consumed so far.
  std::size_t consumed() const { return consumed_; }
  // False while nothing but empty lines (and perhaps the CR of the next
  // one) has arrived: no request has begun.
  bool request_begun() const { return got_some(); }
  // Set once the header is complete.
  bool header_complete() const { return is_header_done(); }
  // After kError: the status to answer (400, 413, 414, 431, 501, 505) and
  // why (static text).
  int error_status() const { return error_status_; }
  std::string_view error_reason() const { return error_reason_; }
  // The client sent "Expect: 100-continue".
  bool expects_continue() const { return expects_continue_; }
  // 10 or 11 once the request line is parsed; 11 before.
  int version() const { return facts_.version; }

  // After kDone: points `out` into the request's bytes at `request`.
  void Fill(const char* request, std::vector<HeaderField>& headers,
            Request& out) const;

 private:
  // Beast hands out boost::core::string_view; it converts to std's.
  using BeastView = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, BeastView method,
                       BeastView target, int version,
                       boost::beast::error_code& ec) override;
  void on_response_impl(int, BeastView, int,
                        boost::beast::error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, BeastView name_text,
                     BeastView value, boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::beast::error_code& ec) override;
  std::size_t on_body_impl(BeastView body,
                           boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, BeastView,
                            boost::beast::error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t, BeastView body,
                                 boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code& ec) override;

  State SkipEmptyLines(const char* request, std::size_t size);
  State Put(const char* request, std::size_t size);
  State AfterPutError(const char* request, std::size_t size,
                      boost::beast::error_code& ec);
  void PutAsHttp11(const char* request, std::size_t size,
                   boost::beast::error_code& ec);
  State DecodeChunkedBody(const char* request, std::size_t size);
  std::uint32_t Offset(std::string_view view) const;
  bool InRequest(std::string_view view) const;
  void SetError(const boost::beast::error_code& ec);
  void Fail(int status, std::string_view reason, boost::beast::error_code& ec);

  std::vector<FieldSpan>& fields_;
  const std::uint64_t max_header_bytes_;
  const std::uint64_t max_body_bytes_;
  const char* base_ = nullptr;  // the request's first byte during Feed()
  const char* end_ = nullptr;   // one past its last byte received so far
  std::size_t consumed_ = 0;
  int empty_lines_ = 0;
  FramingFacts facts_;
  std::uint32_t method_offset_ = 0, method_size_ = 0;
  std::uint32_t target_offset_ = 0, target_size_ = 0;
  // The target's parts, split once at the end of the header, as offsets
  // from the target's start (the bytes Fill() reads may be another copy of
  // the request). An absolute-form target without a path has path "/".
  std::uint32_t path_offset_ = 0, path_size_ = 0;
  std::uint32_t query_offset_ = 0, query_size_ = 0;
  bool root_path_ = false;
  std::uint32_t body_offset_ = 0, body_size_ = 0;
  bool chunked_ = false;
  // Set at the end of a chunked request's header; its body starts at
  // body_offset_. Chunked bodies are not contiguous: the decoder copies them.
  std::optional<ChunkedBodyDecoder> chunked_body_;
  bool expects_continue_ = false;
  int error_status_ = 0;
  std::string_view error_reason_;
};

// True when `id` is safe to log and echo: 1 to 128 of [A-Za-z0-9._:-].
bool IsSaneRequestId(std::string_view id);

// A request target's path and query (without the '?'), as views of the
// target, except an absolute-form target without a path, whose path is "/".
struct TargetParts {
  std::string_view path, query;
};

// The parts of an origin-form ("/a?b") or absolute-form ("http://h/a?b")
// target; nullopt when the target is neither.
std::optional<TargetParts> SplitTarget(std::string_view target);

}  // namespace twelve::http
