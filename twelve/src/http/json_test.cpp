#include "twelve/http/json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

namespace twelve {
namespace {

// A request with this Content-Type (none when empty) and body.
class JsonRequest {
 public:
  JsonRequest(std::string content_type, std::string body)
      : content_type_(std::move(content_type)), body_(std::move(body)) {
    if (!content_type_.empty()) {
      fields_.push_back(HeaderField{"Content-Type", content_type_});
    }
    request_.headers = fields_;
    request_.body = body_;
  }
  const Request& get() const { return request_; }

 private:
  std::string content_type_;
  std::string body_;
  std::vector<HeaderField> fields_;
  Request request_;
};

Result<boost::json::value> Parse(std::string content_type, std::string body) {
  JsonRequest request(std::move(content_type), std::move(body));
  return ParseJsonBody(request.get());
}

std::string Nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(ParseJsonBody, ParsesAnObject) {
  Result<boost::json::value> body =
      Parse("application/json", R"({"text": "hi", "n": [1, 2.5, null]})");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(body->at("text").as_string(), "hi");
  EXPECT_EQ(body->at("n").as_array().size(), 3u);
}

TEST(ParseJsonBody, AnyJsonValueIsADocument) {
  EXPECT_TRUE(Parse("application/json", "42").ok());
  EXPECT_TRUE(Parse("application/json", " \"s\" \r\n").ok());
}

TEST(ParseJsonBody, ContentTypeParametersAndCaseAreAllowed) {
  for (std::string type :
       {"application/json; charset=utf-8", "Application/JSON",
        "application/json;charset=UTF-8", " application/json ",
        "APPLICATION/JSON ; charset=utf-8"}) {
    EXPECT_TRUE(Parse(type, "{}").ok()) << type;
  }
}

TEST(ParseJsonBody, OtherContentTypesAreRefused) {
  for (std::string type :
       {"", "text/plain", "application/x-www-form-urlencoded",
        "application/jsonx", "application/json-patch+json",
        "application/health+json", "json", "application/ json"}) {
    Result<boost::json::value> body = Parse(type, "{}");
    ASSERT_FALSE(body.ok()) << type;
    EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(body.status().message(), "Content-Type must be application/json");
  }
}

TEST(ParseJsonBody, EmptyBodyIsRefused) {
  Result<boost::json::value> body = Parse("application/json", "");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(body.status().message(),
            "request body is empty: expected a JSON document");
}

TEST(ParseJsonBody, MalformedBodySaysWhatAndWhere) {
  Result<boost::json::value> body = Parse("application/json", R"({"a": 1,})");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(body.status().message().rfind("malformed JSON at offset 8: ", 0),
            0u)
      << body.status().message();
}

TEST(ParseJsonBody, TruncatedBodyIsMalformedAtItsEnd) {
  Result<boost::json::value> body = Parse("application/json", R"({"a": )");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().message().rfind("malformed JSON at offset 6: ", 0),
            0u)
      << body.status().message();
}

TEST(ParseJsonBody, TextAfterTheDocumentIsMalformed) {
  Result<boost::json::value> body = Parse("application/json", "{} {}");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().message().rfind("malformed JSON at offset 3: ", 0),
            0u)
      << body.status().message();
}

TEST(ParseJsonBody, OtherMalformedBodies) {
  for (std::string text :
       {"   ", "{'a': 1}", "[1, 2,]", "{\"a\" 1}", "nul", "01", "\"\xff\"",
        "// c\n{}", "{\"a\": 1} x", "NaN"}) {
    Result<boost::json::value> body = Parse("application/json", text);
    ASSERT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.status().message().rfind("malformed JSON at offset ", 0), 0u)
        << body.status().message();
  }
}

TEST(ParseJsonBody, NestingUpToTheLimitIsAccepted) {
  EXPECT_TRUE(Parse("application/json", Nested(kMaxJsonDepth)).ok());
}

TEST(ParseJsonBody, NestingPastTheLimitIsRefused) {
  Result<boost::json::value> body =
      Parse("application/json", Nested(kMaxJsonDepth + 1));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(body.status().message().rfind(
                "malformed JSON at offset " + std::to_string(kMaxJsonDepth), 0),
            0u)
      << body.status().message();
}

TEST(ParseJsonBody, DeepObjectsCountToo) {
  std::string text;
  for (std::size_t i = 0; i <= kMaxJsonDepth; ++i) text += "{\"a\":";
  text += "1" + std::string(kMaxJsonDepth + 1, '}');
  EXPECT_FALSE(Parse("application/json", text).ok());
}

TEST(JsonResponse, SerializesWithJsonContentType) {
  Response response =
      JsonResponse(boost::json::value{{"id", 7}, {"text", "a\"b"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"id":7,"text":"a\"b"})");
}

TEST(JsonResponse, TakesAStatus) {
  Response response = JsonResponse(boost::json::array{1, 2}, 201);
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "[1,2]");
}

TEST(JsonResponse, RoundTripsThroughTheParser) {
  boost::json::value value = {{"s", "\xC3\xA9\n\t\x01"}, {"n", -1.5}};
  Response response = JsonResponse(value);
  EXPECT_EQ(boost::json::parse(response.body), value);
}

TEST(JsonError, IsAnObjectWithTheMessage) {
  Response response = JsonError(400, "text must be 1-1000 characters");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":"text must be 1-1000 characters"})");
}

TEST(JsonError, EscapesTheMessage) {
  Response response = JsonError(404, "no \"note\" 7\n");
  EXPECT_EQ(response.body, R"({"error":"no \"note\" 7\n"})");
  EXPECT_EQ(response.status, 404);
}

TEST(JsonError, CarriesAParseFailure) {
  Result<boost::json::value> body = Parse("text/plain", "{}");
  ASSERT_FALSE(body.ok());
  Response response = JsonError(400, body.status().message());
  EXPECT_EQ(response.body,
            R"({"error":"Content-Type must be application/json"})");
}

}  // namespace
}  // namespace twelve
