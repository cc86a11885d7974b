#pragma once
// The kit's HTTP vocabulary: Request, Response, Responder and handler types.
// Plain types with no Boost in them; the server (src/http/) fills and reads
// them.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "twelve/http/trace_context.hpp"
#include "twelve/status.hpp"

namespace twelve {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// A path parameter: `name` from the route's pattern ("id" in "/notes/{id}"),
// `value` percent-decoded from the request's path.
struct PathParam {
  std::string_view name;
  std::string_view value;
};

// One parsed request. Every view points into the connection's read buffer and
// is valid only while the handler runs: an asynchronous handler copies what it
// needs before it returns.
struct Request {
  std::string_view method;  // as sent: "GET", "HEAD", ...
  std::string_view target;  // "/path?query"
  std::string_view path;    // "/path"
  std::string_view query;   // "query" (without '?'), may be empty
  int version = 11;         // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::span<const HeaderField> headers;
  std::string_view body;
  std::string_view request_id;      // from a sane X-Request-ID, or generated
  std::string_view remote_address;  // "127.0.0.1:53412"
  // The registered path that matched ("/notes/{id}"); empty when nothing
  // matched. Label logs and metrics with it, never with `path`. Unlike the
  // other views it points into the Router, so it stays valid while the
  // server runs (a log or metric may keep it).
  std::string_view route;
  // Set by the router when a pattern matched; see Param().
  std::span<const PathParam> params;
  // From a valid traceparent header, with this server's span; null without
  // one. Log with RequestLog (request_log.hpp) to carry it and request_id.
  const TraceContext* trace = nullptr;

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;

  // The path parameter `name` of the matched pattern, percent-decoded
  // ("/notes/a%20b" on "/notes/{id}" gives "a b"; "%2F" gives '/', which
  // the segment itself cannot hold). std::nullopt when the route has no such
  // parameter. A malformed escape never reaches a handler: the router
  // answers 400.
  std::optional<std::string_view> Param(std::string_view name) const;

  // The first value of `name` in the query string ("a=1&b=x+y&a=2": "a" is
  // "1", "b" is "x y"), with names and values percent-decoded and '+' read
  // as a space; "flag" and "flag=" give "". std::nullopt when absent. A
  // pair with a malformed escape ("a=%zz", "a=%4") is ignored, as if it
  // had not been sent: treat a missing value as the client's error or use a
  // default, as for any absent parameter.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

namespace content_type {
// A media type whose text has static storage: a Response refers to it
// instead of copying it (a copy would be an allocation per response).
struct Constant {
  std::string_view text;
  constexpr operator std::string_view() const { return text; }
};
inline constexpr Constant kHtml{"text/html; charset=utf-8"};
inline constexpr Constant kText{"text/plain; charset=utf-8"};
inline constexpr Constant kJson{"application/json"};
inline constexpr Constant kHealthJson{"application/health+json"};
}  // namespace content_type

// A response's Content-Type: a content_type::Constant, referred to, or any
// other text, which it owns.
class ContentType {
 public:
  ContentType(content_type::Constant constant) : constant_(constant.text) {}
  ContentType(std::string text) : owned_(std::move(text)) {}
  ContentType(std::string_view text) : owned_(text) {}
  ContentType(const char* text) : owned_(text) {}

  std::string_view view() const {
    return constant_.empty() ? owned_ : constant_;
  }
  operator std::string_view() const { return view(); }
  friend bool operator==(const ContentType& a, std::string_view b) {
    return a.view() == b;
  }

 private:
  std::string_view constant_;
  std::string owned_;
};

// What a handler answers. The server adds Date, Content-Length and Connection;
// a header value holding CR or LF is refused (the client gets a 500) so that a
// handler cannot split a response.
struct Response {
  int status = 200;
  ContentType content_type{content_type::kText};
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Html(std::string body, int status = 200);
  static Response Text(std::string body, int status = 200);
  static Response Json(std::string body, int status = 200);

  // Adds a header (for example Retry-After) and returns *this for chaining.
  Response& With(std::string name, std::string value);
};

// The standard reason phrase for a status code ("Not Found"), or "Unknown".
std::string_view ReasonPhrase(int status);

// The one place where an expected failure becomes an HTTP answer:
// kInvalidArgument 400, kNotFound 404, kUnavailable/kTimeout/kAmbiguous 503
// with "Retry-After: 1", kInternal (and anything else) 500. The body names
// the kind only: details go to the log, never to the client.
Response ErrorResponse(const Status& status);

namespace detail {
// Implemented by the server's connection: receives the response for the
// request numbered `id`. Must be safe to call from any thread.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Takes `response` by reference to an rvalue: it moves once, into the
  // connection, instead of once more through a by-value parameter.
  virtual void Complete(std::uint64_t id, Response&& response) = 0;
};
}  // namespace detail

// The promise of one response, handed to asynchronous handlers. Send() must be
// called exactly once, from any thread; the response is written in request
// order. A Responder destroyed without Send() answers 500, so a forgotten
// path cannot hang a client.
class Responder {
 public:
  Responder(std::shared_ptr<detail::ResponseSink> sink, std::uint64_t id)
      : sink_(std::move(sink)), id_(id) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  // Inline: a Responder is moved several times on its way to Send(), and
  // each moved-from one is destroyed here with a single test.
  ~Responder() {
    if (sink_) AnswerUnsent();
  }

  void Send(Response response);

 private:
  // Answers 500 for a Responder dropped without Send().
  void AnswerUnsent();

  std::shared_ptr<detail::ResponseSink> sink_;
  std::uint64_t id_ = 0;
};

// A synchronous handler returns its response.
using Handler = std::function<Response(const Request&)>;
// An asynchronous handler answers later through the Responder.
using AsyncHandler = std::function<void(const Request&, Responder)>;

}  // namespace twelve
