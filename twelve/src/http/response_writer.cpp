#include "http/response_writer.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <charconv>

namespace twelve::http {
namespace {

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return kSymbols.find(c) != std::string_view::npos;
}

bool IsSafeValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Headers whose value only the server may decide, because they frame the
// message on the wire.
bool IsServerOwned(std::string_view name) {
  for (std::string_view owned : {"content-length", "transfer-encoding",
                                 "connection", "date", "content-type"}) {
    if (boost::beast::iequals(name, owned)) return true;
  }
  return false;
}

// `type_checked`: the Content-Type is one checked before (HeadCache).
std::string_view CheckResponse(const Response& response, bool type_checked) {
  if (response.status < 200 || response.status > 599) {
    return "status outside 200-599";
  }
  if (!type_checked && !IsSafeValue(response.content_type)) {
    return "unsafe Content-Type";
  }
  if (response.status == 204 && !response.body.empty()) {
    return "a 204 response with a body";
  }
  for (const auto& [name, value] : response.headers) {
    if (name.empty()) return "empty header name";
    for (char c : name) {
      if (!IsTokenChar(c)) return "invalid header name";
    }
    if (IsServerOwned(name)) return "header owned by the server";
    if (!IsSafeValue(value)) return "header value with CR, LF or NUL";
  }
  return {};
}

char* Put(char* p, std::string_view text) {
  return std::copy(text.begin(), text.end(), p);
}

// The most the head can take beyond its variable parts: the fixed text,
// two numbers, and each extra header's ": " and CRLF.
constexpr std::size_t kFixedHeadBytes = 128;
constexpr std::size_t kPerHeaderBytes = 4;

std::size_t ExtraHeadersBound(const Response& response) {
  std::size_t bound = 0;
  for (const auto& [name, value] : response.headers) {
    bound += kPerHeaderBytes + name.size() + value.size();
  }
  return bound;
}

std::size_t HeadBound(const Response& response, std::string_view date) {
  return kFixedHeadBytes + ReasonPhrase(response.status).size() + date.size() +
         response.content_type.view().size() + ExtraHeadersBound(response);
}

// The head up to the Content-Length value (HeadCache's start), or for a
// 204 up to the end of the Date.
char* PutStart(char* p, const Response& response, std::string_view date) {
  p = Put(p, "HTTP/1.1 ");
  p = std::to_chars(p, p + 3, response.status).ptr;
  *p++ = ' ';
  p = Put(p, ReasonPhrase(response.status));
  p = Put(p, "\r\nDate: ");
  p = Put(p, date);
  // 204 has no content, and RFC 9110 (8.6) forbids its Content-Length.
  if (response.status != 204) {
    p = Put(p, "\r\nContent-Type: ");
    p = Put(p, response.content_type.view());
    p = Put(p, "\r\nContent-Length: ");
  }
  return p;
}

// The rest of the head, after PutStart().
char* PutEnd(char* p, const Response& response,
             const ResponseFraming& framing) {
  if (response.status != 204) {
    p = std::to_chars(p, p + 20, response.body.size()).ptr;
  }
  if (!framing.keep_alive) {
    p = Put(p, "\r\nConnection: close");
  } else if (framing.version == 10) {
    p = Put(p, "\r\nConnection: keep-alive");
  }
  for (const auto& [name, value] : response.headers) {
    p = Put(p, "\r\n");
    p = Put(p, name);
    p = Put(p, ": ");
    p = Put(p, value);
  }
  return Put(p, "\r\n\r\n");
}

}  // namespace

std::string_view DateCache::Now() {
  std::time_t now = std::time(nullptr);
  if (now != second_) {
    std::tm parts;
    gmtime_r(&now, &parts);
    size_ =
        std::strftime(text_, sizeof text_, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    second_ = now;
  }
  return std::string_view(text_, size_);
}

void HeadCache::Remember(const Response& response, std::string_view date) {
  status_ = response.status;
  date_ = date;
  content_type_ = response.content_type.view();
  start_.resize(HeadBound(response, date));
  const char* const last = PutStart(start_.data(), response, date);
  start_.resize(static_cast<std::size_t>(last - start_.data()));
}

bool AppendResponse(std::string& out, const Response& response,
                    std::string_view date, const ResponseFraming& framing,
                    std::string_view* why, HeadCache* heads) {
  const bool cached = heads != nullptr && heads->Serves(response, date);
  std::string_view problem = CheckResponse(response, cached);
  if (!problem.empty()) {
    if (why != nullptr) *why = problem;
    return false;
  }
  if (heads != nullptr && !cached && response.status != 204) {
    heads->Remember(response, date);
  }
  const bool use_cache = heads != nullptr && response.status != 204;
  // The head is written in one piece through a pointer: a dozen appends,
  // each checking capacity, were most of the cost of a small response.
  const std::size_t start = out.size();
  out.resize(start + (use_cache ? heads->start().size() + kFixedHeadBytes +
                                      ExtraHeadersBound(response)
                                : HeadBound(response, date)));
  char* const first = out.data() + start;
  char* p =
      use_cache ? Put(first, heads->start()) : PutStart(first, response, date);
  p = PutEnd(p, response, framing);
  out.resize(start + static_cast<std::size_t>(p - first));
  if (!framing.head) out.append(response.body);
  return true;
}

}  // namespace twelve::http
