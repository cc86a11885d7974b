#include "http/chunked_body_decoder.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace twelve::http {
namespace {

using State = ChunkedBodyDecoder::State;
constexpr std::uint64_t kBodyLimit = 64;
constexpr std::size_t kMaxLine = ChunkedBodyDecoder::kMaxLineBytes;

struct Decoded {
  State state = State::kNeedMore;
  std::string body;
  std::size_t consumed = 0;
  int status = 0;
  std::string reason;

  bool operator==(const Decoded&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Decoded& d) {
  return out << "{state " << static_cast<int>(d.state) << ", body \"" << d.body
             << "\", consumed " << d.consumed << ", status " << d.status
             << ", reason \"" << d.reason << "\"}";
}

Decoded Result(const ChunkedBodyDecoder& decoder, State state) {
  return Decoded{state, decoder.body(), decoder.consumed(),
                 decoder.error_status(), std::string(decoder.error_reason())};
}

Decoded Decode(const std::string& bytes, std::uint64_t limit = kBodyLimit) {
  ChunkedBodyDecoder decoder(limit);
  return Result(decoder, decoder.Feed(bytes));
}

// Feeds the bytes as they would arrive in pieces ending at `ends`: each call
// sees everything so far, in a new buffer (as after the caller's buffer
// moved); stops at the first answer other than kNeedMore.
Decoded DecodeInPieces(const std::string& bytes,
                       const std::vector<std::size_t>& ends,
                       std::uint64_t limit = kBodyLimit) {
  ChunkedBodyDecoder decoder(limit);
  State state = State::kNeedMore;
  for (std::size_t end : ends) {
    std::string moved = bytes.substr(0, end);
    state = decoder.Feed(moved);
    if (state != State::kNeedMore) break;
  }
  return Result(decoder, state);
}

Decoded DecodeByteByByte(const std::string& bytes) {
  std::vector<std::size_t> ends;
  for (std::size_t i = 1; i <= bytes.size(); ++i) ends.push_back(i);
  return DecodeInPieces(bytes, ends);
}

Decoded DecodeInRandomPieces(const std::string& bytes, unsigned seed) {
  std::mt19937 random(seed);
  std::vector<std::size_t> ends;
  std::size_t end = 0;
  while (end < bytes.size()) {
    end = std::min(bytes.size(), end + 1 + random() % 7);
    ends.push_back(end);
  }
  return DecodeInPieces(bytes, ends);
}

// The answer does not depend on how the bytes are split: byte by byte, in
// random pieces, and in two pieces split anywhere (for long inputs, near the
// ends and at a sample of places between).
void ExpectSameInEverySplit(const std::string& bytes) {
  const Decoded whole = Decode(bytes);
  EXPECT_EQ(DecodeByteByByte(bytes), whole) << bytes;
  const bool is_long = bytes.size() > 512;
  for (unsigned seed = 1; seed <= (is_long ? 3u : 20u); ++seed) {
    EXPECT_EQ(DecodeInRandomPieces(bytes, seed), whole) << bytes;
  }
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    if (is_long && split > 64 && split + 64 < bytes.size() &&
        split % 251 != 0) {
      continue;
    }
    EXPECT_EQ(DecodeInPieces(bytes, {split, bytes.size()}), whole)
        << "split at " << split << ": " << bytes;
  }
}

void ExpectBody(const std::string& bytes, const std::string& body) {
  Decoded decoded = Decode(bytes);
  EXPECT_EQ(decoded.state, State::kDone) << bytes << " " << decoded;
  EXPECT_EQ(decoded.body, body) << bytes;
  EXPECT_EQ(decoded.consumed, bytes.size()) << bytes;
  ExpectSameInEverySplit(bytes);
  // Until its last byte, a valid body is never an answer.
  for (std::size_t end = 0; end < bytes.size(); ++end) {
    EXPECT_EQ(Decode(bytes.substr(0, end)).state, State::kNeedMore)
        << "prefix of " << end << ": " << bytes;
  }
}

void ExpectError(const std::string& bytes, int status,
                 std::string_view reason_part) {
  Decoded decoded = Decode(bytes);
  EXPECT_EQ(decoded.state, State::kError) << bytes << " " << decoded;
  EXPECT_EQ(decoded.status, status) << bytes;
  EXPECT_NE(decoded.reason.find(reason_part), std::string::npos)
      << bytes << " " << decoded;
  ExpectSameInEverySplit(bytes);
}

void ExpectBadRequest(const std::string& bytes, std::string_view reason_part) {
  ExpectError(bytes, 400, reason_part);
}

// --- valid bodies -----------------------------------------------------

TEST(ChunkedBodyDecoder, DecodesChunks) {
  ExpectBody("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world");
}

TEST(ChunkedBodyDecoder, DecodesAnEmptyBody) { ExpectBody("0\r\n\r\n", ""); }

TEST(ChunkedBodyDecoder, AcceptsHexDigitsOfEitherCase) {
  ExpectBody("a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n",
             "0123456789abcdefghijk");
}

TEST(ChunkedBodyDecoder, AcceptsLeadingZeros) {
  ExpectBody("0005\r\nhello\r\n000\r\n\r\n", "hello");
}

TEST(ChunkedBodyDecoder, ChunkDataMayHoldAnyByte) {
  ExpectBody(std::string("4\r\n\r\n\0\n\r\n0\r\n\r\n", 14),
             std::string("\r\n\0\n", 4));
}

TEST(ChunkedBodyDecoder, AcceptsExtensions) {
  ExpectBody("5;a\r\nhello\r\n0\r\n\r\n", "hello");
  ExpectBody("5;a=b\r\nhello\r\n0\r\n\r\n", "hello");
  ExpectBody("5;a;b=c;d\r\nhello\r\n0\r\n\r\n", "hello");
  ExpectBody("5;!#$%&'*+-.^_`|~=x\r\nhello\r\n0\r\n\r\n", "hello");
  ExpectBody("0;last=1\r\n\r\n", "");
}

TEST(ChunkedBodyDecoder, AcceptsWhitespaceAroundExtensionSeparators) {
  ExpectBody("5 ;a\r\nhello\r\n0\r\n\r\n", "hello");
  ExpectBody("5\t; a = b ;c\r\nhello\r\n0\r\n\r\n", "hello");
}

TEST(ChunkedBodyDecoder, AcceptsQuotedExtensionValues) {
  ExpectBody("5;a=\"\"\r\nhello\r\n0\r\n\r\n", "hello");
  ExpectBody("5;a=\"x y\tz;=,\"\r\nhello\r\n0\r\n\r\n", "hello");
  ExpectBody("5;a=\"\\\"\\\\\\q\"\r\nhello\r\n0\r\n\r\n", "hello");
  ExpectBody("5;a=\"\xe9\\\xe9\"\r\nhello\r\n0\r\n\r\n", "hello");  // obs-text
}

TEST(ChunkedBodyDecoder, AcceptsAndDropsTrailerFields) {
  ExpectBody("5\r\nhello\r\n0\r\nX-Sum: 1\r\nEmpty:\r\n\r\n", "hello");
  ExpectBody("0\r\nX:  a\tb \xe9 \r\n\r\n", "");
}

TEST(ChunkedBodyDecoder, StopsAtTheEndOfTheBody) {
  Decoded decoded = Decode("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n");
  EXPECT_EQ(decoded.state, State::kDone);
  EXPECT_EQ(decoded.body, "abc");
  EXPECT_EQ(decoded.consumed, 13u);
}

TEST(ChunkedBodyDecoder, AcceptsBodyOfExactlyTheLimit) {
  ExpectBody("40\r\n" + std::string(64, 'x') + "\r\n0\r\n\r\n",
             std::string(64, 'x'));
  ExpectBody("20\r\n" + std::string(32, 'x') + "\r\n20\r\n" +
                 std::string(32, 'y') + "\r\n0\r\n\r\n",
             std::string(32, 'x') + std::string(32, 'y'));
}

// --- chunk size ---------------------------------------------------------

TEST(ChunkedBodyDecoder, RejectsChunkSizeThatIsNotHex) {
  for (std::string line :
       {"", "g", "-5", "+5", " 5", "\t5", "0x5", "5x", "5.0", "5,", ";a"}) {
    ExpectBadRequest(line + "\r\nhello\r\n0\r\n\r\n", "malformed chunk size");
  }
}

TEST(ChunkedBodyDecoder, RejectsWhitespaceAfterChunkSize) {
  ExpectBadRequest("5 \r\nhello\r\n0\r\n\r\n", "malformed chunk extension");
  ExpectBadRequest("0\t\r\n\r\n", "malformed chunk extension");
}

TEST(ChunkedBodyDecoder, ChunkSizeOverTheLimitIs413BeforeItsData) {
  ExpectError("41\r\n", 413, "request body too large");
  ExpectError("20\r\n" + std::string(32, 'x') + "\r\n21\r\n", 413,
              "request body too large");
}

TEST(ChunkedBodyDecoder, ChunkSizeThatOverflowsIs413) {
  ExpectError("ffffffffffffffffff\r\n", 413, "request body too large");
  ExpectError("10000000000000000\r\n", 413, "request body too large");
  ExpectError("ffffffffffffffff\r\n", 413, "request body too large");
  ChunkedBodyDecoder unlimited(UINT64_MAX -
                               ChunkedBodyDecoder::kFramingAllowance);
  EXPECT_EQ(unlimited.Feed("10000000000000001\r\n"), State::kError);
  EXPECT_EQ(unlimited.error_status(), 413);
}

// --- chunk extensions (RFC 9112 section 7.1.1) ----------------------------

TEST(ChunkedBodyDecoder, RejectsMalformedExtensions) {
  for (std::string ext :
       {";", "; ", ";=b", ";a=", ";a= ", ";a=b c", ";a b", ";a;", ";a=b;",
        ";a=\"x\"y", ";a=b=c", ";a==b", ";(a)", ";a=(b)", ";a=\"x\" ", ";a "}) {
    ExpectBadRequest("5" + ext + "\r\nhello\r\n0\r\n\r\n",
                     "malformed chunk extension");
  }
}

TEST(ChunkedBodyDecoder, RejectsControlCharactersInQuotedStrings) {
  for (char c : {'\x00', '\x01', '\x08', '\x0b', '\x1f', '\x7f'}) {
    std::string quoted = "\"a" + std::string(1, c) + "b\"";
    ExpectBadRequest("5;x=" + quoted + "\r\nhello\r\n0\r\n\r\n",
                     "control character in a chunk extension");
    std::string pair = "\"a\\" + std::string(1, c) + "b\"";
    ExpectBadRequest("5;x=" + pair + "\r\nhello\r\n0\r\n\r\n",
                     "control character in a chunk extension");
  }
}

TEST(ChunkedBodyDecoder, RejectsBareLineEndsInQuotedStrings) {
  ExpectBadRequest("5;a=\"x\ny\"\r\nhello\r\n0\r\n\r\n", "bare LF");
  ExpectBadRequest("5;a=\"x\ry\"\r\nhello\r\n0\r\n\r\n", "bare CR");
}

TEST(ChunkedBodyDecoder, UnterminatedQuoteIsRejectedAtTheEndOfItsLine) {
  ExpectBadRequest("5;a=\"hello\r\nhello\r\n0\r\n\r\n", "unterminated");
  ExpectBadRequest("5;a=\"x\\\"\r\nhello\r\n0\r\n\r\n", "unterminated");
  ExpectBadRequest("5;a=\"x\\\r\nhello\r\n0\r\n\r\n", "unterminated");
  // Not before: the line could still end the quote.
  EXPECT_EQ(Decode("5;a=\"hello").state, State::kNeedMore);
}

TEST(ChunkedBodyDecoder, UnterminatedQuoteThatNeverEndsIsRejectedAtTheBound) {
  std::string line = "5;a=\"" + std::string(kMaxLine, 'x');
  ExpectBadRequest(line, "chunk line too long");
}

// --- line ends
// ----------------------------------------------------------------

TEST(ChunkedBodyDecoder, RejectsBareLfEndingAChunkLine) {
  ExpectBadRequest("5\nhello\r\n0\r\n\r\n", "bare LF");
  ExpectBadRequest("\nhello\r\n0\r\n\r\n", "bare LF");
  ExpectBadRequest("5\r\nhello\r\n0\n\r\n", "bare LF");
}

TEST(ChunkedBodyDecoder, RejectsBareCrInAChunkLine) {
  ExpectBadRequest("5\rhello\r\n0\r\n\r\n", "bare CR");
  ExpectBadRequest("5\r\r\nhello\r\n0\r\n\r\n", "bare CR");
}

TEST(ChunkedBodyDecoder, RejectsDataLongerThanItsSize) {
  ExpectBadRequest("3\r\nhello\r\n0\r\n\r\n", "chunk data longer");
  ExpectBadRequest("5\r\nhello\rX\r\n0\r\n\r\n", "chunk data longer");
  ExpectBadRequest("5\r\nhello\n0\r\n\r\n", "chunk data longer");
  // The first wrong byte is enough.
  EXPECT_EQ(Decode("3\r\nhel").state, State::kNeedMore);
  EXPECT_EQ(Decode("3\r\nhelX").state, State::kError);
}

TEST(ChunkedBodyDecoder, RejectsDataShorterThanItsSize) {
  // The size swallows the next chunk line; what follows is no chunk size.
  ExpectBadRequest("8\r\nhello\r\n0\r\n\r\n", "malformed chunk size");
}

TEST(ChunkedBodyDecoder, RejectsMissingFinalCrlf) {
  // The next request's line is then read as a trailer field.
  ExpectBadRequest("5\r\nhello\r\n0\r\nGET / HTTP/1.1\r\n\r\n",
                   "malformed trailer field");
}

// --- trailers -------------------------------------------------------------

TEST(ChunkedBodyDecoder, RejectsMalformedTrailerFields) {
  for (std::string field :
       {": v", "X : v", " X: v", "\tX: v", "X", "X v", "(X): v", "X;: v"}) {
    ExpectBadRequest("0\r\n" + field + "\r\n\r\n", "malformed trailer field");
  }
}

TEST(ChunkedBodyDecoder, RejectsControlCharactersInTrailerValues) {
  for (char c : {'\x00', '\x01', '\x0b', '\x7f'}) {
    ExpectBadRequest("0\r\nX: a" + std::string(1, c) + "b\r\n\r\n",
                     "control character in a trailer field");
  }
  ExpectBadRequest("0\r\nX: a\rb\r\n\r\n", "bare CR");
  ExpectBadRequest("0\r\nX: a\nb\r\n\r\n", "bare LF");
}

TEST(ChunkedBodyDecoder, RejectsFramingAndRoutingFieldsInTrailers) {
  ExpectBadRequest("0\r\nTransfer-Encoding: chunked\r\n\r\n",
                   "Transfer-Encoding is not allowed in a trailer");
  ExpectBadRequest("0\r\ncontent-length: 5\r\n\r\n",
                   "Content-Length is not allowed in a trailer");
  ExpectBadRequest("0\r\nHOST: y\r\n\r\n", "Host is not allowed in a trailer");
}

// --- bounds ---------------------------------------------------------------

TEST(ChunkedBodyDecoder, ChunkLineOfTheLimitIsAccepted) {
  // kMaxLine bytes with the CRLF: "1;a=" + value + "\r\n".
  std::string line = "1;a=" + std::string(kMaxLine - 6, 'v') + "\r\n";
  ASSERT_EQ(line.size(), kMaxLine);
  Decoded decoded = Decode(line + "x\r\n0\r\n\r\n");
  EXPECT_EQ(decoded.state, State::kDone) << decoded;
  EXPECT_EQ(decoded.body, "x");
}

TEST(ChunkedBodyDecoder, ChunkLineOverTheLimitIs400) {
  std::string line = "1;a=" + std::string(kMaxLine - 5, 'v') + "\r\n";
  ExpectBadRequest(line + "x\r\n0\r\n\r\n", "chunk line too long");
}

TEST(ChunkedBodyDecoder, UnfinishedChunkLineIsRejectedOnceItCannotFit) {
  // One byte short of the bound may still end in time; the bound may not.
  EXPECT_EQ(Decode(std::string(kMaxLine - 1, '0')).state, State::kNeedMore);
  ExpectBadRequest(std::string(kMaxLine, '0'), "chunk line too long");
  ExpectBadRequest("1;" + std::string(kMaxLine, 'e'), "chunk line too long");
  ExpectBadRequest(std::string(kMaxLine - 1, '0') + "\r",
                   "chunk line too long");
}

TEST(ChunkedBodyDecoder, UnfinishedTrailerLineIsRejectedOnceItCannotFit) {
  ExpectBadRequest("0\r\nX: " + std::string(kMaxLine, 'a'),
                   "trailer line too long");
  EXPECT_EQ(Decode("0\r\nX: " + std::string(kMaxLine - 4, 'a')).state,
            State::kNeedMore);
}

TEST(ChunkedBodyDecoder, ManyTrailerLinesAreBoundedByTheFramingLimit) {
  // Limit 0: the framing may be kFramingAllowance bytes: "0\r\n", trailer
  // lines, and the final CRLF.
  constexpr std::size_t kAllowance = ChunkedBodyDecoder::kFramingAllowance;
  std::string trailers;
  const std::string full_line = "X: " + std::string(kMaxLine - 5, 'a') + "\r\n";
  while (3 + trailers.size() + full_line.size() + 2 <= kAllowance) {
    trailers += full_line;
  }
  std::size_t rest = kAllowance - 3 - trailers.size() - 2;
  std::string last = "X: " + std::string(rest - 5, 'b') + "\r\n";
  std::string body = "0\r\n" + trailers + last + "\r\n";
  ASSERT_EQ(body.size(), kAllowance);
  EXPECT_EQ(Decode(body, 0).state, State::kDone);
  std::string over = "0\r\n" + trailers + "X: b" + last.substr(3) + "\r\n";
  Decoded decoded = Decode(over, 0);
  EXPECT_EQ(decoded.state, State::kError);
  EXPECT_EQ(decoded.status, 413);
  EXPECT_NE(decoded.reason.find("chunked framing too large"),
            std::string::npos);
}

TEST(ChunkedBodyDecoder, LongExtensionsOnTinyChunksAreBounded) {
  const std::string chunk = "1;" + std::string(8000, 'e') + "\r\nx\r\n";
  std::string body;
  for (int i = 0; i < 10; ++i) body += chunk;  // 10 bytes of data, 80 KB
  Decoded decoded = Decode(body + "0\r\n\r\n", 1024);
  EXPECT_EQ(decoded.state, State::kError);
  EXPECT_EQ(decoded.status, 413);
  EXPECT_LT(decoded.consumed, body.size());  // refused before the end
}

TEST(ChunkedBodyDecoder, AMillionTinyChunksAreBounded) {
  constexpr std::uint64_t kLimit = 1024 * 1024;
  std::string body;
  for (int i = 0; i < 1000000; ++i) body += "1\r\nx\r\n";
  Decoded decoded = Decode(body + "0\r\n\r\n", kLimit);
  EXPECT_EQ(decoded.state, State::kError);
  EXPECT_EQ(decoded.status, 413);
  EXPECT_LE(decoded.consumed,
            2 * kLimit + ChunkedBodyDecoder::kFramingAllowance);
}

TEST(ChunkedBodyDecoder, SmallChunksOfASmallBodyAreAccepted) {
  std::string body, data;
  for (int i = 0; i < 64; ++i) {
    body += "1;i=" + std::to_string(i) + "\r\n" + char('a' + i % 26) + "\r\n";
    data += char('a' + i % 26);
  }
  Decoded decoded = Decode(body + "0\r\n\r\n");
  EXPECT_EQ(decoded.state, State::kDone) << decoded;
  EXPECT_EQ(decoded.body, data);
}

// Random damage to a valid body: whatever the bytes, the answer is the same
// however they are split, and the bounds hold.
TEST(ChunkedBodyDecoder, MutatedBodiesKeepTheInvariants) {
  const std::string valid = "5;a=\"b\\\"c\"\r\nhello\r\n1A ; x = y\r\n" +
                            std::string(26, 'z') +
                            "\r\n0;last\r\nX-T: 1\r\n\r\n";
  constexpr std::string_view kAlphabet("\r\n\t ;=\"\\:0159aAfFgG\x00\x7f\xff",
                                       22);
  std::mt19937 random(12);
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = valid;
    for (int edits = 1 + random() % 3; edits > 0; --edits) {
      std::size_t at = random() % bytes.size();
      char c = kAlphabet[random() % kAlphabet.size()];
      switch (random() % 3) {
        case 0:
          bytes[at] = c;
          break;
        case 1:
          bytes.insert(at, 1, c);
          break;
        default:
          bytes.erase(at, 1);
          break;
      }
    }
    Decoded whole = Decode(bytes);
    ASSERT_EQ(DecodeInRandomPieces(bytes, round), whole) << bytes;
    EXPECT_LE(whole.consumed, bytes.size());
    EXPECT_LE(whole.body.size(), kBodyLimit);
    if (whole.state == State::kError) {
      EXPECT_TRUE(whole.status == 400 || whole.status == 413) << whole;
      EXPECT_FALSE(whole.reason.empty());
    }
  }
}

TEST(ChunkedBodyDecoder, AnswersTheSameAfterTheEnd) {
  ChunkedBodyDecoder decoder(kBodyLimit);
  std::string bytes = "0\r\n\r\n";
  EXPECT_EQ(decoder.Feed(bytes), State::kDone);
  EXPECT_EQ(decoder.Feed(bytes + "more"), State::kDone);
  EXPECT_EQ(decoder.consumed(), 5u);
  ChunkedBodyDecoder failed(kBodyLimit);
  EXPECT_EQ(failed.Feed("z\r\n"), State::kError);
  EXPECT_EQ(failed.Feed("z\r\n0\r\n\r\n"), State::kError);
}

}  // namespace
}  // namespace twelve::http
