#include "http/response_writer.hpp"

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

std::string_view CheckResponse(const Response& response) {
  if (response.status < 200 || response.status > 599) {
    return "status outside 200-599";
  }
  if (!IsSafeValue(response.content_type)) return "unsafe Content-Type";
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

void AppendNumber(std::string& out, std::uint64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
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

bool AppendResponse(std::string& out, const Response& response,
                    std::string_view date, const ResponseFraming& framing,
                    std::string_view* why) {
  std::string_view problem = CheckResponse(response);
  if (!problem.empty()) {
    if (why != nullptr) *why = problem;
    return false;
  }
  out.append("HTTP/1.1 ");
  AppendNumber(out, static_cast<std::uint64_t>(response.status));
  out.push_back(' ');
  out.append(ReasonPhrase(response.status));
  out.append("\r\nDate: ");
  out.append(date);
  out.append("\r\nContent-Type: ");
  out.append(response.content_type);
  out.append("\r\nContent-Length: ");
  AppendNumber(out, response.body.size());
  if (!framing.keep_alive) {
    out.append("\r\nConnection: close");
  } else if (framing.version == 10) {
    out.append("\r\nConnection: keep-alive");
  }
  for (const auto& [name, value] : response.headers) {
    out.append("\r\n");
    out.append(name);
    out.append(": ");
    out.append(value);
  }
  out.append("\r\n\r\n");
  if (!framing.head) out.append(response.body);
  return true;
}

}  // namespace twelve::http
