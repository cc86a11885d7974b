#pragma once
// Message framing rules of RFC 9112 that Beast 1.81's parser does not enforce.
//
// The parser reports the facts of a request header (FramingFacts); Validate()
// decides whether the body boundary is unambiguous. Anything ambiguous is
// rejected and the connection closed, so nothing can be smuggled behind a
// request (RFC 9112 section 6.3 and 11.2).

#include <string_view>

namespace twelve::http {

struct FramingFacts {
  int version = 11;  // 10 or 11
  int host_headers = 0;
  int content_length_headers = 0;  // each header counts, even if equal
  int transfer_encoding_headers = 0;
  int transfer_codings = 0;  // codings over all TE headers
  bool last_coding_is_chunked = false;
  bool chunked_before_last = false;  // "chunked, gzip" or "chunked, chunked"
  bool other_codings = false;        // any coding that is not "chunked"
  bool empty_coding = false;         // "chunked, , x" or an empty TE value
};

struct FramingVerdict {
  int status = 0;           // 0 when valid; 400 or 501 otherwise
  std::string_view reason;  // for the log and the response body
};

FramingVerdict ValidateFraming(const FramingFacts& facts);

// Adds the codings listed in one Transfer-Encoding header value to `facts`.
void AddTransferCodings(std::string_view value, FramingFacts& facts);

}  // namespace twelve::http
