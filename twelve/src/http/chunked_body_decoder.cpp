#include "http/chunked_body_decoder.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace twelve::http {
namespace {

constexpr std::string_view kLineTooLong = "chunk line too long";
constexpr std::string_view kTrailerTooLong = "trailer line too long";
constexpr std::string_view kBodyTooLarge = "request body too large";

// tchar (RFC 9110 section 5.6.2).
constexpr std::array<bool, 256> MakeTcharTable() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}
constexpr std::array<bool, 256> kTchar = MakeTcharTable();

bool IsTchar(char c) { return kTchar[static_cast<unsigned char>(c)]; }
bool IsWhitespace(char c) { return c == ' ' || c == '\t'; }

// VCHAR / obs-text / SP / HTAB: what a field value or a quoted-pair may hold.
bool IsText(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads one token at `pos`; false when there is none.
bool SkipToken(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < text.size() && IsTchar(text[pos])) ++pos;
  return pos > start;
}

void SkipWhitespace(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && IsWhitespace(text[pos])) ++pos;
}

// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, `pos` at the
// opening quote. Empty when valid, else what is wrong.
std::string_view SkipQuotedString(std::string_view text, std::size_t& pos) {
  for (++pos; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '"') {
      ++pos;
      return {};
    }
    if (c == '\\' && ++pos == text.size()) break;
    // qdtext excludes only DQUOTE and backslash from IsText(), both
    // handled above; a quoted-pair's second byte is IsText() as well.
    if (!IsText(text[pos])) {
      return "control character in a chunk extension";
    }
  }
  return "unterminated quoted string in a chunk extension";
}

// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
std::string_view CheckExtensions(std::string_view text) {
  constexpr std::string_view kMalformed =
      "malformed chunk extension (expected ;name or ;name=value)";
  std::size_t pos = 0;
  while (pos < text.size()) {
    SkipWhitespace(text, pos);
    if (pos == text.size() || text[pos] != ';') return kMalformed;
    ++pos;
    SkipWhitespace(text, pos);
    if (!SkipToken(text, pos)) return kMalformed;
    std::size_t after_name = pos;
    SkipWhitespace(text, pos);
    if (pos == text.size() || text[pos] != '=') {
      pos = after_name;  // the whitespace must precede another ";"
      continue;
    }
    ++pos;
    SkipWhitespace(text, pos);
    if (pos < text.size() && text[pos] == '"') {
      std::string_view error = SkipQuotedString(text, pos);
      if (!error.empty()) return error;
    } else if (!SkipToken(text, pos)) {
      return kMalformed;
    }
  }
  return {};
}

bool NameIs(std::string_view name, std::string_view lower) {
  return name.size() == lower.size() &&
         std::equal(name.begin(), name.end(), lower.begin(),
                    [](char a, char b) {
                      return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
                    });
}

// field-line = field-name ":" OWS field-value OWS. Empty when valid.
std::string_view CheckTrailerField(std::string_view line) {
  std::size_t pos = 0;
  if (!SkipToken(line, pos) || pos == line.size() || line[pos] != ':') {
    return "malformed trailer field (expected name: value)";
  }
  std::string_view name = line.substr(0, pos);
  if (!std::all_of(line.begin() + pos + 1, line.end(), IsText)) {
    return "control character in a trailer field";
  }
  if (NameIs(name, "transfer-encoding")) {
    return "Transfer-Encoding is not allowed in a trailer";
  }
  if (NameIs(name, "content-length")) {
    return "Content-Length is not allowed in a trailer";
  }
  if (NameIs(name, "host")) return "Host is not allowed in a trailer";
  return {};
}

}  // namespace

ChunkedBodyDecoder::ChunkedBodyDecoder(std::uint64_t max_body_bytes)
    : max_body_bytes_(max_body_bytes),
      max_framing_bytes_(max_body_bytes < UINT64_MAX - kFramingAllowance
                             ? max_body_bytes + kFramingAllowance
                             : UINT64_MAX) {}

ChunkedBodyDecoder::State ChunkedBodyDecoder::Feed(std::string_view bytes) {
  std::string_view line;
  while (true) {
    switch (step_) {
      case Step::kSizeLine:
      case Step::kTrailerLine: {
        Found found = NextLine(bytes, line);
        if (found == Found::kNeedMore) return State::kNeedMore;
        if (found == Found::kError) return State::kError;
        bool ok =
            step_ == Step::kSizeLine ? OnSizeLine(line) : OnTrailerLine(line);
        if (!ok) return State::kError;
        break;
      }
      case Step::kData:
        if (pos_ == bytes.size()) return State::kNeedMore;
        TakeData(bytes);
        break;
      case Step::kDataEnd:
        if (pos_ == bytes.size()) return State::kNeedMore;
        if (!TakeDataEnd(bytes)) {
          return step_ == Step::kError ? State::kError : State::kNeedMore;
        }
        break;
      case Step::kDone:
        return State::kDone;
      case Step::kError:
        return State::kError;
    }
  }
}

// Finds the line that starts at pos_, resuming the search for its LF where
// the last call stopped, so that a line fed byte by byte is scanned once.
ChunkedBodyDecoder::Found ChunkedBodyDecoder::NextLine(std::string_view bytes,
                                                       std::string_view& line) {
  const std::string_view too_long =
      step_ == Step::kSizeLine ? kLineTooLong : kTrailerTooLong;
  const std::size_t from = std::max(scan_, pos_);
  const void* lf = std::memchr(bytes.data() + from, '\n', bytes.size() - from);
  if (lf == nullptr) {
    scan_ = bytes.size();
    // Even if its LF came next, the line would be longer than allowed.
    if (bytes.size() - pos_ < kMaxLineBytes) return Found::kNeedMore;
    Fail(400, too_long);
    return Found::kError;
  }
  const std::size_t end =
      static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data());
  const std::size_t size = end + 1 - pos_;
  if (size > kMaxLineBytes) {
    Fail(400, too_long);
    return Found::kError;
  }
  if (end == pos_ || bytes[end - 1] != '\r') {
    Fail(400, "line ends in a bare LF in a chunked body (expected CRLF)");
    return Found::kError;
  }
  line = bytes.substr(pos_, size - 2);
  if (line.find('\r') != std::string_view::npos) {
    Fail(400, "bare CR in a chunked body (expected CRLF)");
    return Found::kError;
  }
  pos_ = end + 1;
  scan_ = pos_;
  return AddFraming(size) ? Found::kComplete : Found::kError;
}

// chunk-size [ chunk-ext ]: the next chunk, or the last one.
bool ChunkedBodyDecoder::OnSizeLine(std::string_view line) {
  std::size_t digits = 0;
  std::uint64_t size = 0;
  bool huge = false;
  for (; digits < line.size(); ++digits) {
    int value = HexValue(line[digits]);
    if (value < 0) break;
    huge = huge || size > (UINT64_MAX >> 4);
    size = (size << 4) | static_cast<std::uint64_t>(value);
  }
  if (digits == 0 || (digits < line.size() && line[digits] != ';' &&
                      !IsWhitespace(line[digits]))) {
    return Fail(400, "malformed chunk size (expected hexadecimal digits)");
  }
  std::string_view error = CheckExtensions(line.substr(digits));
  if (!error.empty()) return Fail(400, error);
  if (huge || size > max_body_bytes_ - body_.size()) {
    return Fail(413, kBodyTooLarge);
  }
  chunk_left_ = size;
  step_ = size == 0 ? Step::kTrailerLine : Step::kData;
  return true;
}

// A trailer field, or the empty line that ends the body.
bool ChunkedBodyDecoder::OnTrailerLine(std::string_view line) {
  if (line.empty()) {
    step_ = Step::kDone;
    return true;
  }
  std::string_view error = CheckTrailerField(line);
  if (!error.empty()) return Fail(400, error);
  return true;
}

void ChunkedBodyDecoder::TakeData(std::string_view bytes) {
  const std::size_t n = static_cast<std::size_t>(
      std::min<std::uint64_t>(chunk_left_, bytes.size() - pos_));
  body_.append(bytes.data() + pos_, n);
  pos_ += n;
  chunk_left_ -= n;
  if (chunk_left_ == 0) step_ = Step::kDataEnd;
}

// The CRLF after a chunk's data. False when it is not all there yet, or is
// not a CRLF (then step_ is kError): each byte is checked as it arrives.
bool ChunkedBodyDecoder::TakeDataEnd(std::string_view bytes) {
  constexpr std::string_view kNoCrlf =
      "chunk data longer than its size (expected CRLF after the data)";
  if (bytes[pos_] != '\r') return Fail(400, kNoCrlf);
  if (pos_ + 1 == bytes.size()) return false;
  if (bytes[pos_ + 1] != '\n') return Fail(400, kNoCrlf);
  pos_ += 2;
  scan_ = pos_;
  step_ = Step::kSizeLine;
  return AddFraming(2);
}

bool ChunkedBodyDecoder::AddFraming(std::size_t bytes) {
  static_assert(kFramingAllowance == 64 * 1024, "the reason below names it");
  framing_bytes_ += bytes;
  if (framing_bytes_ > max_framing_bytes_) {
    return Fail(413,
                "chunked framing too large (chunk lines and trailers over the "
                "body limit + 64 KiB)");
  }
  return true;
}

bool ChunkedBodyDecoder::Fail(int status, std::string_view reason) {
  step_ = Step::kError;
  error_status_ = status;
  error_reason_ = reason;
  return false;
}

}  // namespace twelve::http
