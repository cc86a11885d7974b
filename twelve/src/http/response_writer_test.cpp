#include "http/response_writer.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace twelve::http {
namespace {

constexpr std::string_view kDate = "Sat, 28 Nov 2026 01:02:03 GMT";

TEST(ResponseWriter, WritesStatusLineAndRequiredHeaders) {
  std::string out;
  ASSERT_TRUE(AppendResponse(out, Response::Html("hi"), kDate, {}));
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "Date: Sat, 28 Nov 2026 01:02:03 GMT\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            "Content-Length: 2\r\n\r\nhi");
}

// A content type other than the constants is owned by the response, so it
// survives the response being copied and moved (as handlers' answers are)
// after the text it came from is gone.
TEST(ResponseWriter, WritesAnOwnedContentTypeAfterCopiesAndMoves) {
  Response original;
  {
    std::string type = "image/svg+xml";
    original.content_type = std::string_view(type);
    type.assign(type.size(), '?');
  }
  Response copy = original;
  Response moved = std::move(copy);
  std::string out;
  ASSERT_TRUE(AppendResponse(out, moved, kDate, {}));
  EXPECT_NE(out.find("\r\nContent-Type: image/svg+xml\r\n"), std::string::npos)
      << out;
  EXPECT_EQ(original.content_type, "image/svg+xml");
  EXPECT_EQ(Response::Json("{}").content_type, content_type::kJson.text);
}

TEST(ResponseWriter, HeadKeepsLengthAndDropsBody) {
  std::string out;
  ResponseFraming framing;
  framing.head = true;
  ASSERT_TRUE(AppendResponse(out, Response::Text("hello"), kDate, framing));
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_TRUE(out.ends_with("\r\n\r\n"));
}

TEST(ResponseWriter, NoContentHasNoContentHeaders) {
  std::string out;
  Response gone;
  gone.status = 204;
  ASSERT_TRUE(AppendResponse(out, gone, kDate, {}));
  EXPECT_EQ(out,
            "HTTP/1.1 204 No Content\r\n"
            "Date: Sat, 28 Nov 2026 01:02:03 GMT\r\n\r\n");
  gone.body = "x";
  std::string_view why;
  EXPECT_FALSE(AppendResponse(out, gone, kDate, {}, &why));
  EXPECT_EQ(why, "a 204 response with a body");
}

TEST(ResponseWriter, CloseAddsConnectionClose) {
  std::string out;
  ResponseFraming framing;
  framing.keep_alive = false;
  ASSERT_TRUE(AppendResponse(out, Response::Text(""), kDate, framing));
  EXPECT_NE(out.find("\r\nConnection: close\r\n"), std::string::npos);
}

TEST(ResponseWriter, Http10KeepAliveIsExplicit) {
  std::string out;
  ResponseFraming framing;
  framing.version = 10;
  ASSERT_TRUE(AppendResponse(out, Response::Text(""), kDate, framing));
  EXPECT_NE(out.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
}

TEST(ResponseWriter, AppendsExtraHeaders) {
  std::string out;
  ASSERT_TRUE(AppendResponse(out, Response::Text("").With("Retry-After", "1"),
                             kDate, {}));
  EXPECT_NE(out.find("\r\nRetry-After: 1\r\n"), std::string::npos);
}

TEST(ResponseWriter, RefusesHeaderValueWithNewline) {
  std::string out;
  std::string_view why;
  Response response = Response::Text("").With("X-A", "1\r\nSet-Cookie: x");
  EXPECT_FALSE(AppendResponse(out, response, kDate, {}, &why));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(why.empty());
}

TEST(ResponseWriter, RefusesInvalidHeaderName) {
  std::string out;
  EXPECT_FALSE(
      AppendResponse(out, Response::Text("").With("X A", "1"), kDate, {}));
}

TEST(ResponseWriter, RefusesServerOwnedHeader) {
  std::string out;
  EXPECT_FALSE(AppendResponse(
      out, Response::Text("").With("Content-Length", "9"), kDate, {}));
}

TEST(ResponseWriter, RefusesStatusOutOfRange) {
  std::string out;
  EXPECT_FALSE(AppendResponse(out, Response::Text("", 99), kDate, {}));
  EXPECT_FALSE(AppendResponse(out, Response::Text("", 600), kDate, {}));
}

// The same bytes with a HeadCache as without, whatever changes from one
// response to the next (status, type, date, framing, headers, 204, HEAD),
// and the same refusals.
TEST(ResponseWriter, HeadCacheWritesTheSameBytes) {
  constexpr std::string_view kLaterDate = "Sat, 28 Nov 2026 01:02:04 GMT";
  Response svg = Response::Text("<svg/>");
  svg.content_type = std::string_view("image/svg+xml");
  Response unsafe = Response::Text("x");
  unsafe.content_type = std::string_view("text/plain\r\nX-Evil: 1");
  const Response no_content{204, content_type::kText, "", {}};
  const std::vector<Response> responses = {
      Response::Html("hi"),
      Response::Html("hello"),
      Response::Html("hi", 404),
      Response::Text("hi"),
      svg,
      Response::Html("x").With("Retry-After", "1"),
      no_content,
      Response::Html("again"),
      unsafe,
      Response::Html("after"),
      Response::Html("x").With("Bad Name", "1"),
  };
  const std::vector<ResponseFraming> framings = {
      {}, {11, false, false}, {10, true, false}, {11, true, true}};
  HeadCache heads;
  for (std::string_view date : {kDate, kLaterDate}) {
    for (const ResponseFraming& framing : framings) {
      for (const Response& response : responses) {
        std::string plain;
        std::string cached;
        std::string_view why_plain;
        std::string_view why_cached;
        const bool ok =
            AppendResponse(plain, response, date, framing, &why_plain);
        EXPECT_EQ(AppendResponse(cached, response, date, framing, &why_cached,
                                 &heads),
                  ok);
        EXPECT_EQ(cached, plain);
        EXPECT_EQ(why_cached, why_plain);
      }
    }
  }
}

TEST(DateCache, FormatsImfFixdate) {
  DateCache cache;
  std::string date(cache.Now());
  EXPECT_TRUE(std::regex_match(
      date, std::regex(R"([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} )"
                       R"(\d{2}:\d{2}:\d{2} GMT)")))
      << date;
}

}  // namespace
}  // namespace twelve::http
