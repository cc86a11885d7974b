#include "twelve/http/message.hpp"

#include <algorithm>
#include <cctype>

#include "http/percent_decoding.hpp"

namespace twelve {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Response MakeResponse(content_type::Constant type, std::string body,
                      int status) {
  Response response;
  response.status = status;
  response.content_type = type;
  response.body = std::move(body);
  return response;
}

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const HeaderField& field : headers) {
    if (EqualsIgnoreCase(field.name, name)) return field.value;
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::Param(std::string_view name) const {
  for (const PathParam& param : params) {
    if (param.name == name) return param.value;
  }
  return std::nullopt;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  std::string decoded_name;
  std::string value;
  std::string_view rest = query;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view()
                                         : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    decoded_name.clear();
    if (!AppendPercentDecoded(raw_name, PlusIs::kSpace, decoded_name) ||
        decoded_name != name) {
      continue;
    }
    value.clear();
    if (eq == std::string_view::npos ||
        AppendPercentDecoded(pair.substr(eq + 1), PlusIs::kSpace, value)) {
      return value;
    }
  }
  return std::nullopt;
}

Response Response::Html(std::string body, int status) {
  return MakeResponse(content_type::kHtml, std::move(body), status);
}
Response Response::Text(std::string body, int status) {
  return MakeResponse(content_type::kText, std::move(body), status);
}
Response Response::Json(std::string body, int status) {
  return MakeResponse(content_type::kJson, std::move(body), status);
}

Response& Response::With(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

Response ErrorResponse(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return Response::Text("ok\n");
    case StatusCode::kInvalidArgument:
      return Response::Text("bad request\n", 400);
    case StatusCode::kNotFound:
      return Response::Text("not found\n", 404);
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
    case StatusCode::kAmbiguous:
      return Response::Text("service unavailable, retry shortly\n", 503)
          .With("Retry-After", "1");
    case StatusCode::kInternal:
      break;
  }
  return Response::Text("internal error\n", 500);
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (sink_) AnswerUnsent();
    sink_ = std::move(other.sink_);
    id_ = other.id_;
  }
  return *this;
}

// A handler that dropped its Responder would otherwise hang the client and
// every request pipelined behind it.
void Responder::AnswerUnsent() {
  std::shared_ptr<detail::ResponseSink> sink = std::move(sink_);
  sink->Complete(id_, ErrorResponse(Status::Internal("no answer")));
}

void Responder::Send(Response response) {
  if (!sink_) return;  // sent already: the contract says once
  std::shared_ptr<detail::ResponseSink> sink = std::move(sink_);
  sink->Complete(id_, std::move(response));
}

}  // namespace twelve
