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
  std::size_t consumed = 0;
  std::string method, path, query, body, host;
  int version = 0;
};

Parsed Parse(const std::string& bytes) {
  std::vector<FieldSpan> spans;
  std::vector<HeaderField> headers;
  RequestParser parser(kHeaderLimit, kBodyLimit, spans);
  Parsed parsed;
  parsed.state = parser.Feed(bytes.data(), bytes.size());
  parsed.consumed = parser.consumed();
  parsed.error_status = parser.error_status();
  if (parsed.state == RequestParser::State::kDone) {
    Request request;
    parser.Fill(bytes.data(), headers, request);
    parsed.method = request.method;
    parsed.path = request.path;
    parsed.query = request.query;
    parsed.body = request.body;
    parsed.version = request.version;
    parsed.host = request.Header("host").value_or("");
  }
  return parsed;
}

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
