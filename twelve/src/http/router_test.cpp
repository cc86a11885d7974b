#include "twelve/http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace twelve {
namespace {

Response Ok(const Request&) { return Response::Text("ok"); }

// Calls the matched handler and returns what it answered.
Response Call(const Router::Match& match) {
  class Capture : public detail::ResponseSink {
   public:
    void Complete(std::uint64_t, Response response) override {
      answer = std::move(response);
    }
    Response answer;
  };
  if (match.handler != nullptr) return (*match.handler)(Request{});
  auto capture = std::make_shared<Capture>();
  (*match.async_handler)(Request{}, Responder(capture, 1));
  return capture->answer;
}

TEST(Router, FindsHandlerByMethodAndPath) {
  Router router;
  router.Get("/", Ok);
  Router::Match match = router.Find("GET", "/");
  ASSERT_NE(match.handler, nullptr);  // synchronous: called directly
  EXPECT_EQ(match.async_handler, nullptr);
  EXPECT_EQ(Call(match).body, "ok");
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  router.Get("/", Ok);
  Router::Match match = router.Find("GET", "/missing");
  EXPECT_EQ(match.status, 404);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.async_handler, nullptr);
}

TEST(Router, OtherMethodIsNotAllowedWithAllowHeader) {
  Router router;
  router.Get("/", Ok).Post("/", Ok);
  Router::Match match = router.Find("DELETE", "/");
  EXPECT_EQ(match.status, 405);
  EXPECT_EQ(match.allow, "GET, POST, HEAD");
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.Get("/", Ok);
  Router::Match match = router.Find("HEAD", "/");
  ASSERT_NE(match.handler, nullptr);
}

TEST(Router, ExplicitHeadWinsOverGet) {
  Router router;
  router.Get("/", Ok).Head(
      "/", [](const Request&) { return Response::Text("head"); });
  EXPECT_EQ(Call(router.Find("HEAD", "/")).body, "head");
  EXPECT_EQ(Call(router.Find("GET", "/")).body, "ok");
}

TEST(Router, MethodsAreCaseSensitive) {
  Router router;
  router.Get("/", Ok);
  EXPECT_EQ(router.Find("get", "/").status, 405);
}

TEST(Router, PathMatchIsExact) {
  Router router;
  router.Get("/a", Ok);
  EXPECT_EQ(router.Find("GET", "/a/").status, 404);
  EXPECT_EQ(router.Find("GET", "/ab").status, 404);
}

TEST(Router, RejectsDuplicateRoute) {
  Router router;
  router.Get("/", Ok);
  EXPECT_THROW(router.Get("/", Ok), std::logic_error);
}

TEST(Router, RejectsRelativePath) {
  Router router;
  EXPECT_THROW(router.Get("relative", Ok), std::invalid_argument);
}

TEST(Router, RejectsEmptyHandler) {
  Router router;
  EXPECT_THROW(router.Get("/", Handler{}), std::invalid_argument);
  EXPECT_THROW(router.GetAsync("/", AsyncHandler{}), std::invalid_argument);
}

TEST(Router, AsyncHandlerAnswersThroughResponder) {
  Router router;
  router.GetAsync("/later", [](const Request&, Responder responder) {
    responder.Send(Response::Text("later"));
  });
  Router::Match match = router.Find("GET", "/later");
  ASSERT_NE(match.async_handler, nullptr);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(Call(match).body, "later");
}

TEST(Responder, DroppedResponderAnswers500) {
  Router router;
  router.GetAsync("/forgets", [](const Request&, Responder) {});
  EXPECT_EQ(Call(router.Find("GET", "/forgets")).status, 500);
}

}  // namespace
}  // namespace twelve
