#include "twelve/http/json.hpp"

#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace twelve {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

// "application/json", "Application/JSON; charset=utf-8".
bool IsJsonContentType(std::optional<std::string_view> header) {
  if (!header) return false;
  const std::string_view media_type =
      Trim(header->substr(0, header->find(';')));
  return EqualsIgnoreCase(media_type, "application/json");
}

}  // namespace

Result<boost::json::value> ParseJsonBody(const Request& request) {
  if (!IsJsonContentType(request.Header("Content-Type"))) {
    return Status::InvalidArgument("Content-Type must be application/json");
  }
  if (request.body.empty()) {
    return Status::InvalidArgument(
        "request body is empty: expected a JSON document");
  }
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::parser parser({}, options);
  boost::json::error_code ec;
  const std::size_t consumed =
      parser.write(request.body.data(), request.body.size(), ec);
  if (ec) {
    return Status::InvalidArgument("malformed JSON at offset " +
                                   std::to_string(consumed) + ": " +
                                   ec.message());
  }
  return parser.release();
}

Response JsonResponse(const boost::json::value& value, int status) {
  return Response::Json(boost::json::serialize(value), status);
}

Response JsonError(int status, std::string_view message) {
  boost::json::object body;
  body["error"] = message;
  return JsonResponse(body, status);
}

}  // namespace twelve
