#include "http/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace twelve::http {
namespace {

constexpr std::uint64_t kHeaderLimit = 1024;
constexpr std::uint64_t kBodyLimit = 64;

struct Parsed {
  RequestParser::State state = RequestParser::State::kNeedMore;
  int error_status = 0;
  std::string error_reason;
  std::size_t consumed = 0;
  std::string method, path, query, body, host;
  std::vector<std::string> header_names;
  int version = 0;
};

Parsed Result(RequestParser& parser, RequestParser::State state,
              const std::string& bytes) {
  Parsed parsed;
  parsed.state = state;
  parsed.consumed = parser.consumed();
  parsed.error_status = parser.error_status();
  parsed.error_reason = parser.error_reason();
  if (parsed.state == RequestParser::State::kDone) {
    std::vector<HeaderField> headers;
    Request request;
    parser.Fill(bytes.data(), headers, request);
    parsed.method = request.method;
    parsed.path = request.path;
    parsed.query = request.query;
    parsed.body = request.body;
    parsed.version = request.version;
    parsed.host = request.Header("host").value_or("");
    for (const HeaderField& field : request.headers) {
      parsed.header_names.emplace_back(field.name);
    }
  }
  return parsed;
}

Parsed Parse(const std::string& bytes) {
  std::vector<FieldSpan> spans;
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  return Result(parser, parser.Feed(bytes.data(), bytes.size()), bytes);
}

// Feeds the request one byte more at a time, each time from a new buffer
// holding all of it so far, as a connection does when bytes trickle in.
Parsed ParseByteByByte(const std::string& bytes) {
  std::vector<FieldSpan> spans;
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  RequestParser::State state = RequestParser::State::kNeedMore;
  std::string moved;
  for (std::size_t end = 1; end <= bytes.size(); ++end) {
    moved = bytes.substr(0, end);
    state = parser.Feed(moved.data(), moved.size());
    if (state != RequestParser::State::kNeedMore) break;
  }
  return Result(parser, state, moved);
}

Parsed Rejected(const std::string& bytes, int status) {
  Parsed parsed = Parse(bytes);
  EXPECT_EQ(parsed.state, RequestParser::State::kError) << bytes;
  EXPECT_EQ(parsed.error_status, status) << bytes << parsed.error_reason;
  return parsed;
}

constexpr std::string_view kChunkedHead =
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(RequestParser, ParsesSimpleGet) {
  Parsed parsed = Parse("GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.method, "GET");
  EXPECT_EQ(parsed.path, "/a");
  EXPECT_EQ(parsed.query, "b=1");
  EXPECT_EQ(parsed.host, "x");
  EXPECT_EQ(parsed.version, 11);
}

TEST(RequestParser, StopsAtEndOfFirstPipelinedRequest) {
  std::string first = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  Parsed parsed = Parse(first + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.consumed, first.size());
}

TEST(RequestParser, NeedsMoreForPartialHeader) {
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHo").state,
            RequestParser::State::kNeedMore);
}

TEST(RequestParser, FieldsSurviveBufferMovingBetweenFeeds) {
  std::vector<FieldSpan> spans;
  std::vector<HeaderField> headers;
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  std::string head =
      "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab";
  ASSERT_EQ(parser.Feed(head.data(), head.size()),
            RequestParser::State::kNeedMore);
  std::string moved = head + "cd";  // a new buffer, as after a reallocation
  head.assign(head.size(), 'X');    // the old bytes are gone
  ASSERT_EQ(parser.Feed(moved.data(), moved.size()),
            RequestParser::State::kDone);
  Request request;
  parser.Fill(moved.data(), headers, request);
  EXPECT_EQ(request.body, "abcd");
  EXPECT_EQ(request.Header("Host").value_or(""), "h");
  EXPECT_EQ(request.path, "/p");
}

TEST(RequestParser, DecodesChunkedBody) {
  Parsed parsed = Parse(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.body, "abcde");
}

TEST(RequestParser, OversizedHeaderIs431) {
  Parsed parsed = Parse(
      "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(2000, 'a') + "\r\n\r\n");
  EXPECT_EQ(parsed.state, RequestParser::State::kError);
  EXPECT_EQ(parsed.error_status, 431);
}

TEST(RequestParser, DeclaredBodyOverLimitIs413BeforeBody) {
  Parsed parsed =
      Parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n");
  EXPECT_EQ(parsed.state, RequestParser::State::kError);
  EXPECT_EQ(parsed.error_status, 413);
}

TEST(RequestParser, FinalCodingNotChunkedIs400) {
  Parsed parsed = Parse(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
  EXPECT_EQ(parsed.state, RequestParser::State::kError);
  EXPECT_EQ(parsed.error_status, 400);
}

TEST(RequestParser, ChunkedOnHttp10Is400) {
  Parsed parsed =
      Parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(parsed.error_status, 400);
}

TEST(RequestParser, MissingHostIs400) {
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\n\r\n").error_status, 400);
}

TEST(RequestParser, TwoHostsIs400) {
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").error_status,
            400);
}

TEST(RequestParser, InvalidContentLengthIs400) {
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n")
                .error_status,
            400);
}

TEST(RequestParser, UnsupportedVersionIs505) {
  EXPECT_EQ(Parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n").error_status, 505);
}

TEST(RequestParser, RelativeTargetIs400) {
  EXPECT_EQ(Parse("GET abc HTTP/1.1\r\nHost: a\r\n\r\n").error_status, 400);
}

TEST(RequestParser, AcceptsAbsoluteFormTarget) {
  Parsed parsed = Parse("GET http://a.example/x?y HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.path, "/x");
  EXPECT_EQ(parsed.query, "y");
}

TEST(RequestParser, ChunkedBodyByteByByteIsTheSame) {
  std::string request = std::string(kChunkedHead) +
                        "3;x=\"y\"\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n";
  Parsed whole = Parse(request + "GET / HTTP/1.1\r\n");
  Parsed trickled = ParseByteByByte(request);
  ASSERT_EQ(whole.state, RequestParser::State::kDone);
  ASSERT_EQ(trickled.state, RequestParser::State::kDone);
  EXPECT_EQ(whole.body, "abcde");
  EXPECT_EQ(trickled.body, "abcde");
  EXPECT_EQ(whole.consumed, request.size());
  EXPECT_EQ(trickled.consumed, request.size());
  EXPECT_EQ(trickled.host, "x");
}

TEST(RequestParser, ContentLengthBodyByteByByte) {
  std::string request =
      "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd";
  Parsed parsed = ParseByteByByte(request);
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.body, "abcd");
  EXPECT_EQ(parsed.consumed, request.size());
}

TEST(RequestParser, ContentLengthBodyStopsAtItsEnd) {
  std::string first =
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  Parsed parsed = Parse(first + "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.body, "abc");
  EXPECT_EQ(parsed.consumed, first.size());
}

TEST(RequestParser, TrailerFieldsAreNotHeaders) {
  Parsed parsed =
      Parse(std::string(kChunkedHead) + "0\r\nX-Trailer: 1\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.header_names,
            (std::vector<std::string>{"Host", "Transfer-Encoding"}));
}

TEST(RequestParser, EndlessChunkLineIs400AtTheBound) {
  std::string request = std::string(kChunkedHead) + "1;" +
                        std::string(ChunkedBodyDecoder::kMaxLineBytes, 'e');
  Parsed parsed = Rejected(request, 400);
  EXPECT_EQ(parsed.error_reason, "chunk line too long");
  EXPECT_EQ(ParseByteByByte(request).error_reason, "chunk line too long");
}

TEST(RequestParser, BadChunkExtensionIs400) {
  Parsed parsed = Rejected(
      std::string(kChunkedHead) + "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", 400);
  EXPECT_EQ(parsed.error_reason, "control character in a chunk extension");
}

TEST(RequestParser, ChunkedBodyOverLimitIs413) {
  Rejected(std::string(kChunkedHead) + "41\r\n", 413);
}

TEST(RequestParser, TransferEncodingInTrailerIs400) {
  Rejected(
      std::string(kChunkedHead) + "0\r\nTransfer-Encoding: chunked\r\n\r\n",
      400);
}

TEST(RequestParser, ObsoleteLineFoldingIs400) {
  for (std::string fold : {"X: a\r\n b", "X: a\r\n\tb", "X:\r\n b",
                           "X: a\r\n \r\n", "Host: x\r\n y"}) {
    std::string request = "GET / HTTP/1.1\r\nHost: x\r\n" + fold + "\r\n\r\n";
    if (fold.starts_with("Host"))
      request = "GET / HTTP/1.1\r\n" + fold + "\r\n\r\n";
    Parsed parsed = Rejected(request, 400);
    EXPECT_EQ(parsed.error_reason, "obsolete line folding is not allowed")
        << fold;
  }
}

TEST(RequestParser, ContentLengthListIs400) {
  Parsed parsed = Rejected(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", 400);
  EXPECT_EQ(parsed.error_reason, "Content-Length must be one decimal number");
}

TEST(RequestParser, MalformedVersionIs400) {
  for (std::string line :
       {"GET / http/1.1\r\n", "GET / HTTP/1.1 \r\n", "GET / HTTP/1.1\n",
        "GET / HTTP/1.1\rX", "GET / HTTP/11\r\n", "GET / HTTP/1.10\r\n",
        "GET / HTTPS/1.1\r\n"}) {
    Parsed parsed = Rejected(line + "Host: x\r\n\r\n", 400);
    EXPECT_EQ(parsed.error_reason,
              "malformed HTTP version (expected HTTP/1.1 and CRLF)")
        << line;
  }
}

TEST(RequestParser, WellFormedUnsupportedVersionIs505) {
  for (std::string version : {"HTTP/2.0", "HTTP/0.9", "HTTP/3.0", "HTTP/2.1"}) {
    Parsed parsed = Rejected("GET / " + version + "\r\nHost: a\r\n\r\n", 505);
    EXPECT_EQ(parsed.error_reason, "only HTTP/1.x is supported") << version;
  }
}

TEST(RequestParser, HigherMinorVersionIsParsedAsHttp11) {
  for (std::string version : {"HTTP/1.2", "HTTP/1.9"}) {
    std::string bytes = "GET /a?q HTTP/1.2\r\nHost: x\r\nX-A: b\r\n\r\n";
    bytes.replace(9, 8, version);
    Parsed parsed = Parse(bytes);
    ASSERT_EQ(parsed.state, RequestParser::State::kDone) << version;
    EXPECT_EQ(parsed.version, 11);
    EXPECT_EQ(parsed.method, "GET");
    EXPECT_EQ(parsed.path, "/a");
    EXPECT_EQ(parsed.query, "q");
    EXPECT_EQ(parsed.host, "x");
    EXPECT_EQ(parsed.header_names, (std::vector<std::string>{"Host", "X-A"}));
    EXPECT_EQ(parsed.consumed, bytes.size());
  }
}

// The request line is parsed from a copy: what the request holds must still
// point into the caller's bytes, which outlive the copy.
TEST(RequestParser, HigherMinorVersionFieldsPointIntoTheRequest) {
  std::vector<FieldSpan> spans;
  std::vector<HeaderField> headers;
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  const std::string bytes =
      "POST /p HTTP/1.2\r\nHost: h\r\nContent-Length: 2\r\n\r\nab";
  ASSERT_EQ(parser.Feed(bytes.data(), bytes.size()),
            RequestParser::State::kDone);
  EXPECT_TRUE(parser.keep_alive());  // HTTP/1.1's default
  Request request;
  parser.Fill(bytes.data(), headers, request);
  auto inside = [&](std::string_view view) {
    return view.data() >= bytes.data() &&
           view.data() + view.size() <= bytes.data() + bytes.size();
  };
  EXPECT_TRUE(inside(request.method));
  EXPECT_TRUE(inside(request.target));
  EXPECT_TRUE(inside(request.headers[0].name));
  EXPECT_TRUE(inside(request.headers[1].value));
  EXPECT_TRUE(inside(request.body));
  EXPECT_EQ(request.target, "/p");
  EXPECT_EQ(request.body, "ab");
}

TEST(RequestParser, HigherMinorVersionStopsAtTheEndOfItsRequest) {
  const std::string first =
      "POST / HTTP/1.2\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  Parsed parsed = Parse(first + "GET /second HTTP/1.2\r\nHost: x\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.consumed, first.size());
  EXPECT_EQ(parsed.body, "abc");
}

TEST(RequestParser, HigherMinorVersionByteByByte) {
  const std::string bytes =
      "POST /p HTTP/1.3\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  Parsed parsed = ParseByteByByte(bytes);
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.version, 11);
  EXPECT_EQ(parsed.path, "/p");
  EXPECT_EQ(parsed.body, "abc");
}

TEST(RequestParser, HigherMinorVersionMayBeChunked) {
  std::string head(kChunkedHead);
  head.replace(head.find("HTTP/1.1"), 8, "HTTP/1.2");
  Parsed parsed = Parse(head + "3\r\nabc\r\n0\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.body, "abc");
}

TEST(RequestParser, HigherMinorVersionExpectsContinue) {
  std::vector<FieldSpan> spans;
  std::string head =
      "POST / HTTP/1.2\r\nHost: x\r\nContent-Length: 2\r\n"
      "Expect: 100-continue\r\n\r\n";
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  ASSERT_EQ(parser.Feed(head.data(), head.size()),
            RequestParser::State::kNeedMore);
  EXPECT_TRUE(parser.expects_continue());
}

TEST(RequestParser, MalformedHigherMinorVersionIs400) {
  for (std::string line : {"GET / HTTP/1.2 \r\n", "GET / HTTP/1.2\n",
                           "GET / HTTP/1.2\rX", "GET / HTTP/1.20\r\n"}) {
    Parsed parsed = Rejected(line + "Host: x\r\n\r\n", 400);
    EXPECT_EQ(parsed.error_reason,
              "malformed HTTP version (expected HTTP/1.1 and CRLF)")
        << line;
  }
}

TEST(RequestParser, HigherMinorVersionFaultsAreStillFound) {
  Rejected("GET / HTTP/1.2\r\n\r\n", 400);  // no Host
  Rejected("GET / HTTP/1.2\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400);
  Rejected("POST / HTTP/1.2\r\nHost: x\r\nContent-Length: 65\r\n\r\n", 413);
}

// The version fits in the header limit but its CRLF does not.
TEST(RequestParser, HigherMinorVersionRequestLineOverTheLimitIs414) {
  const std::string start = "GET /";
  const std::string version = " HTTP/1.2";
  const std::string line =
      start + std::string(kHeaderLimit - start.size() - version.size(), 'a') +
      version;
  ASSERT_EQ(line.size(), kHeaderLimit);
  Parsed parsed = Rejected(line + "\r\nHost: x\r\n\r\n", 414);
  EXPECT_EQ(parsed.error_reason, "request line too long");
}

TEST(RequestParser, SkipsEmptyLinesBeforeTheRequestLine) {
  for (int lines = 1; lines <= RequestParser::kMaxEmptyLines; ++lines) {
    std::string bytes;
    for (int i = 0; i < lines; ++i) bytes += "\r\n";
    bytes += "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab";
    Parsed parsed = Parse(bytes);
    ASSERT_EQ(parsed.state, RequestParser::State::kDone) << lines;
    EXPECT_EQ(parsed.method, "POST");
    EXPECT_EQ(parsed.path, "/a");
    EXPECT_EQ(parsed.host, "x");
    EXPECT_EQ(parsed.body, "ab");
    EXPECT_EQ(parsed.consumed, bytes.size());
  }
}

TEST(RequestParser, TooManyEmptyLinesAre400) {
  std::string bytes;
  for (int i = 0; i <= RequestParser::kMaxEmptyLines; ++i) bytes += "\r\n";
  Parsed parsed = Rejected(bytes + "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  EXPECT_EQ(parsed.error_reason,
            "too many empty lines before the request line (at most 4)");
  // Found as soon as the line after the last allowed one is whole.
  EXPECT_EQ(Parse(bytes).state, RequestParser::State::kError);
}

TEST(RequestParser, EmptyLinesByteByByte) {
  Parsed parsed = ParseByteByByte("\r\n\r\nGET /b HTTP/1.2\r\nHost: x\r\n\r\n");
  ASSERT_EQ(parsed.state, RequestParser::State::kDone);
  EXPECT_EQ(parsed.path, "/b");
  EXPECT_EQ(parsed.version, 11);
}

// What a connection reads between requests: no request has begun yet.
TEST(RequestParser, EmptyLinesAloneBeginNoRequest) {
  std::vector<FieldSpan> spans;
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  std::string bytes = "\r\n\r";
  ASSERT_EQ(parser.Feed(bytes.data(), bytes.size()),
            RequestParser::State::kNeedMore);
  EXPECT_FALSE(parser.request_begun());
  EXPECT_EQ(parser.consumed(), 2u);  // the lone CR waits for its LF
  bytes += "\nG";
  ASSERT_EQ(parser.Feed(bytes.data(), bytes.size()),
            RequestParser::State::kNeedMore);
  EXPECT_TRUE(parser.request_begun());
}

// Only CRLF makes an empty line; a bare LF or CR is a malformed request line.
TEST(RequestParser, BareLfOrCrBeforeTheRequestLineIs400) {
  for (std::string before : {"\n", "\r", "\r\n\n", " \r\n"}) {
    Rejected(before + "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  }
}

TEST(RequestParser, RequestLineOverTheHeaderLimitIs414) {
  Parsed parsed =
      Rejected("GET /" + std::string(kHeaderLimit, 'a') + " HTTP/1.1\r\n", 414);
  EXPECT_EQ(parsed.error_reason, "request line too long");
}

TEST(RequestParser, MalformedRequestLinesAre400WithAReason) {
  struct Case {
    std::string line;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"GET  / HTTP/1.1", "malformed request target"},
           {"GET /a b HTTP/1.1", "malformed HTTP version"},
           {std::string("GET /\0 HTTP/1.1", 16), "malformed request target"},
           {"G(T / HTTP/1.1", "malformed method"},
           {" GET / HTTP/1.1", "malformed method"},
           {"GET\t/ HTTP/1.1", "malformed method"}}) {
    Parsed parsed = Rejected(c.line + "\r\nHost: x\r\n\r\n", 400);
    EXPECT_TRUE(parsed.error_reason.starts_with(c.reason))
        << c.line << ": " << parsed.error_reason;
  }
}

TEST(RequestParser, MalformedFieldsAre400WithAReason) {
  struct Case {
    std::string field;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"Transfer-Encoding : chunked", "malformed header field name"},
           {": x", "malformed header field name"},
           {std::string("X\0: y", 5), "malformed header field name"},
           {std::string("X: a\0b", 7), "malformed header field value"},
           {"X: a\nY: b", "malformed header field value"},
           {"X: a\rb", "malformed line ending"},
           {"Content-Length: 0x10", "malformed Content-Length"},
           {"Content-Length: 1 2", "malformed Content-Length"}}) {
    Parsed parsed =
        Rejected("POST / HTTP/1.1\r\nHost: x\r\n" + c.field + "\r\n\r\n", 400);
    EXPECT_TRUE(parsed.error_reason.starts_with(c.reason))
        << c.field << ": " << parsed.error_reason;
  }
}

TEST(RequestParser, ExpectContinueIsIgnoredOnHttp10) {
  std::vector<FieldSpan> spans;
  std::string head =
      "POST / HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  ASSERT_EQ(parser.Feed(head.data(), head.size()),
            RequestParser::State::kNeedMore);
  EXPECT_FALSE(parser.expects_continue());
}

TEST(RequestParser, ExpectContinueOnHttp11) {
  std::vector<FieldSpan> spans;
  std::string head =
      std::string(kChunkedHead.substr(0, kChunkedHead.size() - 2)) +
      "Expect: 100-continue\r\n\r\n";
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  ASSERT_EQ(parser.Feed(head.data(), head.size()),
            RequestParser::State::kNeedMore);
  EXPECT_TRUE(parser.header_complete());
  EXPECT_TRUE(parser.expects_continue());
}

TEST(RequestId, AcceptsSaneIds) {
  EXPECT_TRUE(IsSaneRequestId("abc-123_x.y:z"));
}

TEST(RequestId, RejectsUnsafeIds) {
  EXPECT_FALSE(IsSaneRequestId(""));
  EXPECT_FALSE(IsSaneRequestId("a b"));
  EXPECT_FALSE(IsSaneRequestId("a\"b"));
  EXPECT_FALSE(IsSaneRequestId(std::string(129, 'a')));
}

}  // namespace
}  // namespace twelve::http
