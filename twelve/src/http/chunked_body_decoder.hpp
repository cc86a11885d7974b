#pragma once
// ChunkedBodyDecoder: a strict, bounded decoder of a request body sent with
// the chunked transfer coding (RFC 9112 section 7.1).
//
// Beast 1.81 buffers a chunk line or a trailer line of any length (one
// endless line held a server's memory until the header timeout) and accepts
// any byte in a chunk extension's quoted string; this decoder replaces it for
// request bodies. RequestParser lets Beast parse the request line and the
// header, then hands the body's bytes to this.
//
// Incremental: Feed() is given the body's bytes from its first one, as the
// caller holds them: the same bytes again plus what arrived since (the buffer
// may have moved). It reads only what it has not read before, and stops at
// the end of the body: bytes after it (a pipelined request) are not its.
//
// Bounds, each an error as soon as it is passed (not at a timeout):
//   - every line, a chunk's size and extensions or one trailer field, is at
//     most kMaxLineBytes with its CRLF (400), even while unfinished;
//   - the decoded data is at most the body limit (413, from a chunk's
//     declared size, before its data arrives);
//   - the framing of one body (chunk lines, the CRLF after each chunk's data,
//     trailer lines, the final CRLF) is at most the body limit plus
//     kFramingAllowance (413). So the raw body is at most about twice what a
//     Content-Length body may be, whatever its shape: neither a million
//     1-byte chunks nor long extensions on every chunk make it grow without
//     bound, while the allowance leaves small bodies free to be sent in small
//     chunks.
//
// Grammar: chunk-size is 1*HEXDIG (no sign, prefix, or whitespace); each
// chunk extension is BWS ";" BWS token [BWS "=" BWS (token / quoted-string)]
// with qdtext / quoted-pair only (no control character but HTAB); chunk data
// is followed by CRLF; a trailer field is token ":" OWS value OWS with no
// control character but HTAB. Every line ends in CRLF (a bare LF or CR is an
// error). Extensions are checked and ignored. Trailer fields are checked and
// dropped, never merged into the header (RFC 9110 section 6.5.1); one that
// would change the framing or the routing (Transfer-Encoding,
// Content-Length, Host) is an error.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace twelve::http {

class ChunkedBodyDecoder {
 public:
  enum class State { kNeedMore, kDone, kError };

  // The longest chunk line or trailer line, CRLF included (as current Beast).
  static constexpr std::size_t kMaxLineBytes = 8 * 1024;
  // Framing bytes allowed on top of the body limit.
  static constexpr std::uint64_t kFramingAllowance = 64 * 1024;

  explicit ChunkedBodyDecoder(std::uint64_t max_body_bytes);

  // Decodes more of the body whose bytes so far are `bytes` (see above).
  // After kDone or kError, further calls return the same state.
  State Feed(std::string_view bytes);

  // Bytes of the chunked body read so far; after kDone, its whole size.
  std::size_t consumed() const { return pos_; }
  // The decoded data so far; after kDone, the whole body.
  const std::string& body() const { return body_; }
  // After kError: 400 or 413, and what was wrong (static text).
  int error_status() const { return error_status_; }
  std::string_view error_reason() const { return error_reason_; }

 private:
  enum class Step { kSizeLine, kData, kDataEnd, kTrailerLine, kDone, kError };
  enum class Found { kNeedMore, kComplete, kError };  // a line

  Found NextLine(std::string_view bytes, std::string_view& line);
  bool OnSizeLine(std::string_view line);
  bool OnTrailerLine(std::string_view line);
  void TakeData(std::string_view bytes);
  bool TakeDataEnd(std::string_view bytes);
  bool AddFraming(std::size_t bytes);
  bool Fail(int status, std::string_view reason);

  const std::uint64_t max_body_bytes_;
  const std::uint64_t max_framing_bytes_;
  Step step_ = Step::kSizeLine;
  std::size_t pos_ = 0;   // the first byte not read yet
  std::size_t scan_ = 0;  // where the search for the current line's LF resumes
  std::uint64_t chunk_left_ = 0;  // data bytes of the current chunk to come
  std::uint64_t framing_bytes_ = 0;
  std::string body_;
  int error_status_ = 0;
  std::string_view error_reason_;
};

}  // namespace twelve::http
