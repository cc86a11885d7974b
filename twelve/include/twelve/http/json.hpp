#pragma once
// JSON request bodies and answers, on Boost.JSON.
//
// The one public header that exposes a Boost type. A JSON API's handlers
// read and build documents, and wrapping boost::json::value in a kit type of
// our own would mean re-implementing its whole interface (objects, arrays,
// numbers, conversions) for nothing: Boost.JSON is already a dependency of
// the kit, a plain value type with no I/O in it, and it is what a C++
// developer would reach for. Apps that include this header link Boost.JSON
// through the twelve target; the rest of the kit's contract stays Boost-free.
//
//   router.Post("/notes", [&](const twelve::Request& request) {
//     twelve::Result<boost::json::value> body = twelve::ParseJsonBody(request);
//     if (!body.ok()) return twelve::JsonError(400, body.status().message());
//     ...
//     return twelve::JsonResponse({{"id", id}, {"text", text}}, 201);
//   });

#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

#include "twelve/http/message.hpp"
#include "twelve/status.hpp"

namespace twelve {

// Documents nested deeper than this are refused: parsing recurses into the
// value's storage, and no sane request needs more. The body's size is bounded
// by HTTP_MAX_BODY_BYTES before a handler runs.
inline constexpr std::size_t kMaxJsonDepth = 32;

// The request's body as a JSON document. Fails with kInvalidArgument, whose
// message says what is wrong and may be sent to the client:
//   "Content-Type must be application/json" (parameters such as
//   "; charset=utf-8" are allowed, the media type is case-insensitive);
//   "request body is empty: expected a JSON document";
//   "malformed JSON at offset N: <Boost.JSON's reason>" (syntax, invalid
//   UTF-8, text after the document, nesting past kMaxJsonDepth).
Result<boost::json::value> ParseJsonBody(const Request& request);

// `value` serialized, with Content-Type application/json.
Response JsonResponse(const boost::json::value& value, int status = 200);

// {"error": "<message>"} with that status: what to answer a bad request.
Response JsonError(int status, std::string_view message);

}  // namespace twelve
