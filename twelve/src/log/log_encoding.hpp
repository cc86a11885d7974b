#pragma once
// The pieces a JSON log line is made of, shared by the generic encoder
// (log_encoder.cpp) and the access log's dedicated one (http/access_log.cpp),
// so both write byte-identical lines.
//
// Every function writes through a raw pointer into a buffer the caller sized
// for the worst case (JsonStringBound, kMaxScalarWidth, kTimestampWidth) and
// returns the new end.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <string_view>

namespace twelve::log_encoding {

// Any 64-bit integer, the shortest form of any double
// ("-1.7976931348623157e+308"), "false", "null", "-nan".
constexpr std::size_t kMaxScalarWidth = 24;
// "2026-11-28T01:02:03.456789Z"
constexpr std::size_t kTimestampWidth = 27;

// The most PutJsonString can write for `s`: every byte escaped as six
// ("\u001f", "\ufffd"), and the quotes.
constexpr std::size_t JsonStringBound(std::string_view s) {
  return 6 * s.size() + 2;
}

inline char* Put(char* p, std::string_view s) {
  return std::copy(s.begin(), s.end(), p);
}

template <typename Number>
char* PutNumber(char* p, Number value) {
  return std::to_chars(p, p + kMaxScalarWidth, value).ptr;
}

// Writes `s` quoted and escaped per RFC 8259; each byte that is not part of
// well-formed UTF-8 becomes \ufffd, so the output is valid JSON whatever the
// input held.
char* PutJsonString(char* p, std::string_view s);

// Writes "YYYY-MM-DDTHH:MM:SS.<fraction>Z" (RFC 3339, UTC) with 6 or 3
// fractional digits.
char* PutTimestamp(char* p, std::chrono::system_clock::time_point now,
                   int fraction_digits);

}  // namespace twelve::log_encoding
