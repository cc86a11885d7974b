#pragma once
// The HTTP-version of a request line, read where Beast's parser stops
// (RFC 9112 2.3, RFC 9110 2.5): Beast 1.81 reports a malformed version and
// an unsupported one alike (bad_version), so the request parser asks these
// which it was, and whether it is a higher minor version of HTTP/1 that it
// answers as HTTP/1.1.

#include <string_view>

namespace twelve::http {

// The HTTP-version of a request line that Beast has read up to it, and
// what follows it (up to its CRLF): Beast has read the method and the
// target, so it starts after the second space. Empty when there is none.
std::string_view VersionOf(std::string_view line);

// "HTTP/" DIGIT "." DIGIT, then CRLF or the start of it: a version that is
// well formed, so refusing it is a 505; anything else ("http/1.1",
// "HTTP/1.1 ", a bare LF after it) is a malformed request line.
bool IsWellFormedVersion(std::string_view version);

// HTTP/1.2 to HTTP/1.9: a minor version of HTTP/1 above the one implemented.
bool IsHigherMinorVersion(std::string_view version);

}  // namespace twelve::http
