#include "twelve/http/router.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace twelve {
namespace {

Response Ok(const Request&) { return Response::Text("ok"); }

// A handler that answers "<tag>" and the route it saw.
Handler Tagged(std::string tag) {
  return [tag](const Request& request) {
    return Response::Text(tag + " " + std::string(request.route));
  };
}

// Find() with storage of its own; each call keeps its storage alive (the
// params point into it) for the rest of the test.
Router::Match Find(const Router& router, std::string_view method,
                   std::string_view path) {
  static std::vector<std::unique_ptr<PathParamStorage>> kept;
  kept.push_back(std::make_unique<PathParamStorage>());
  return router.Find(method, path, *kept.back());
}

// Calls the matched handler and returns what it answered.
Response Call(const Router::Match& match) {
  Request request;
  request.route = match.route;
  request.params = match.params;
  class Capture : public detail::ResponseSink {
   public:
    void Complete(std::uint64_t, Response&& response) override {
      answer = std::move(response);
    }
    Response answer;
  };
  if (match.handler != nullptr) return (*match.handler)(request);
  auto capture = std::make_shared<Capture>();
  (*match.async_handler)(request, Responder(capture, 1));
  return capture->answer;
}

TEST(Router, FindsHandlerByMethodAndPath) {
  Router router;
  router.Get("/", Ok);
  Router::Match match = Find(router, "GET", "/");
  ASSERT_NE(match.handler, nullptr);  // synchronous: called directly
  EXPECT_EQ(match.async_handler, nullptr);
  EXPECT_EQ(Call(match).body, "ok");
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  router.Get("/", Ok);
  Router::Match match = Find(router, "GET", "/missing");
  EXPECT_EQ(match.status, 404);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.async_handler, nullptr);
}

TEST(Router, OtherMethodIsNotAllowedWithAllowHeader) {
  Router router;
  router.Get("/", Ok).Post("/", Ok);
  Router::Match match = Find(router, "DELETE", "/");
  EXPECT_EQ(match.status, 405);
  EXPECT_EQ(match.allow, "GET, POST, HEAD");
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.Get("/", Ok);
  Router::Match match = Find(router, "HEAD", "/");
  ASSERT_NE(match.handler, nullptr);
}

TEST(Router, ExplicitHeadWinsOverGet) {
  Router router;
  router.Get("/", Ok).Head(
      "/", [](const Request&) { return Response::Text("head"); });
  EXPECT_EQ(Call(Find(router, "HEAD", "/")).body, "head");
  EXPECT_EQ(Call(Find(router, "GET", "/")).body, "ok");
}

TEST(Router, MethodsAreCaseSensitive) {
  Router router;
  router.Get("/", Ok);
  EXPECT_EQ(Find(router, "get", "/").status, 405);
}

TEST(Router, PathMatchIsExact) {
  Router router;
  router.Get("/a", Ok);
  EXPECT_EQ(Find(router, "GET", "/a/").status, 404);
  EXPECT_EQ(Find(router, "GET", "/ab").status, 404);
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
  Router::Match match = Find(router, "GET", "/later");
  ASSERT_NE(match.async_handler, nullptr);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(Call(match).body, "later");
}

// Patterns.

TEST(Router, PatternMatchesOneSegmentAndGivesItsValue) {
  Router router;
  router.Get("/notes/{id}", [](const Request& request) {
    return Response::Text(std::string(request.Param("id").value_or("-")));
  });
  Router::Match match = Find(router, "GET", "/notes/42");
  ASSERT_EQ(match.status, 200);
  EXPECT_EQ(match.route, "/notes/{id}");
  ASSERT_EQ(match.params.size(), 1u);
  EXPECT_EQ(match.params[0].name, "id");
  EXPECT_EQ(match.params[0].value, "42");
  EXPECT_EQ(Call(match).body, "42");
}

TEST(Router, PatternWithSeveralParameters) {
  Router router;
  router.Get("/users/{user}/notes/{id}", [](const Request& request) {
    return Response::Text(std::string(*request.Param("user")) + ":" +
                          std::string(*request.Param("id")));
  });
  Router::Match match = Find(router, "GET", "/users/ann/notes/7");
  ASSERT_EQ(match.status, 200);
  EXPECT_EQ(Call(match).body, "ann:7");
  EXPECT_EQ(Find(router, "GET", "/users/ann/files/7").status, 404);
}

TEST(Router, ParameterIsNeverEmptyNorSpansSegments) {
  Router router;
  router.Get("/notes/{id}", Ok);
  EXPECT_EQ(Find(router, "GET", "/notes/").status, 404);
  EXPECT_EQ(Find(router, "GET", "/notes").status, 404);
  EXPECT_EQ(Find(router, "GET", "/notes/1/").status, 404);
  EXPECT_EQ(Find(router, "GET", "/notes/1/2").status, 404);
  EXPECT_EQ(Find(router, "GET", "/notes//1").status, 404);
  EXPECT_EQ(Find(router, "GET", "/Notes/1").status, 404);
}

TEST(Router, ParameterAsFirstAndLastSegment) {
  Router router;
  router.Get("/{lang}/docs/{page}", Ok);
  EXPECT_EQ(Find(router, "GET", "/en/docs/intro").status, 200);
  EXPECT_EQ(Find(router, "GET", "/en/docs").status, 404);
}

TEST(Router, PatternWithTrailingSlashNeedsIt) {
  Router router;
  router.Get("/notes/{id}/", Ok);
  EXPECT_EQ(Find(router, "GET", "/notes/1/").status, 200);
  EXPECT_EQ(Find(router, "GET", "/notes/1").status, 404);
}

TEST(Router, ParameterIsPercentDecoded) {
  Router router;
  router.Get("/notes/{id}", Ok);
  Router::Match match = Find(router, "GET", "/notes/a%20b%2Fc%2bd+e");
  ASSERT_EQ(match.status, 200);
  ASSERT_EQ(match.params.size(), 1u);
  // '+' is a plus in a path; %2F is a '/' inside the value.
  EXPECT_EQ(match.params[0].value, "a b/c+d+e");
}

TEST(Router, SeveralDecodedParametersKeepTheirOwnValues) {
  Router router;
  router.Get("/{a}/{b}/{c}", Ok);
  Router::Match match = Find(router, "GET", "/%41x/plain/%7e%7E");
  ASSERT_EQ(match.status, 200);
  ASSERT_EQ(match.params.size(), 3u);
  EXPECT_EQ(match.params[0].value, "Ax");
  EXPECT_EQ(match.params[1].value, "plain");
  EXPECT_EQ(match.params[2].value, "~~");
}

TEST(Router, MalformedEscapeInParameterIsBadRequest) {
  Router router;
  router.Get("/notes/{id}", Ok);
  for (std::string_view path :
       {"/notes/%zz", "/notes/%4", "/notes/a%", "/notes/%%41", "/notes/%g1"}) {
    Router::Match match = Find(router, "GET", path);
    EXPECT_EQ(match.status, 400) << path;
    EXPECT_EQ(match.handler, nullptr) << path;
    EXPECT_EQ(match.route, "/notes/{id}") << path;
    EXPECT_NE(Router::kMalformedParam.find("percent-encoding"),
              std::string_view::npos);
  }
}

TEST(Router, MalformedEscapeInPathOfOtherShapeIsNotFound) {
  Router router;
  router.Get("/notes/{id}/text", Ok);
  EXPECT_EQ(Find(router, "GET", "/notes/%zz/other").status, 404);
  // A literal segment is compared as sent, escapes and all.
  EXPECT_EQ(Find(router, "GET", "/note%73/1/text").status, 404);
}

TEST(Router, ExactPathWinsOverPattern) {
  Router router;
  router.Get("/notes/{id}", Tagged("pattern"))
      .Get("/notes/new", Tagged("exact"));
  EXPECT_EQ(Call(Find(router, "GET", "/notes/new")).body, "exact /notes/new");
  EXPECT_EQ(Call(Find(router, "GET", "/notes/old")).body,
            "pattern /notes/{id}");
}

TEST(Router, ExactPathWinsEvenWithoutTheMethod) {
  Router router;
  router.Post("/notes/{id}", Ok).Get("/notes/new", Ok);
  Router::Match match = Find(router, "POST", "/notes/new");
  EXPECT_EQ(match.status, 405);
  EXPECT_EQ(match.allow, "GET, HEAD");
  EXPECT_EQ(match.route, "/notes/new");
}

TEST(Router, FirstRegisteredPatternWins) {
  Router router;
  router.Get("/{dir}/index", Tagged("first"))
      .Get("/static/{file}", Tagged("second"));
  EXPECT_EQ(Call(Find(router, "GET", "/static/index")).body,
            "first /{dir}/index");
  EXPECT_EQ(Call(Find(router, "GET", "/static/app.js")).body,
            "second /static/{file}");
}

TEST(Router, FirstMatchingPatternDecidesTheMethods) {
  Router router;
  router.Get("/{dir}/index", Ok).Post("/static/{file}", Ok);
  Router::Match match = Find(router, "POST", "/static/index");
  EXPECT_EQ(match.status, 405);
  EXPECT_EQ(match.allow, "GET, HEAD");
  EXPECT_EQ(match.route, "/{dir}/index");
}

TEST(Router, PatternOtherMethodIsNotAllowedWithAllowHeader) {
  Router router;
  router.Get("/notes/{id}", Ok).Delete("/notes/{id}", Ok);
  Router::Match match = Find(router, "PUT", "/notes/1");
  EXPECT_EQ(match.status, 405);
  EXPECT_EQ(match.allow, "GET, DELETE, HEAD");
  EXPECT_EQ(match.route, "/notes/{id}");
  EXPECT_TRUE(match.params.empty());
  EXPECT_EQ(Find(router, "DELETE", "/notes/1").status, 200);
}

TEST(Router, PatternHeadFallsBackToGet) {
  Router router;
  router.Get("/notes/{id}", Ok);
  Router::Match match = Find(router, "HEAD", "/notes/1");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.params.size(), 1u);
}

TEST(Router, EveryRegistrationFormTakesPatterns) {
  Router router;
  auto later = [](const Request& request, Responder responder) {
    responder.Send(Response::Text(std::string(*request.Param("id"))));
  };
  router.Get("/a/{id}", Ok)
      .Head("/a/{id}", Ok)
      .Post("/a/{id}", Ok)
      .Put("/a/{id}", Ok)
      .Delete("/a/{id}", Ok)
      .Handle("PATCH", "/a/{id}", Ok)
      .GetAsync("/b/{id}", later)
      .HandleAsync("POST", "/b/{id}", later);
  for (std::string_view method :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}) {
    EXPECT_EQ(Find(router, method, "/a/1").status, 200) << method;
  }
  EXPECT_EQ(Call(Find(router, "GET", "/b/x")).body, "x");
  EXPECT_EQ(Call(Find(router, "POST", "/b/y")).body, "y");
}

TEST(Router, ExactRouteNamesItselfAndHasNoParams) {
  Router router;
  router.Get("/livez", Ok).Get("/notes/{id}", Ok);
  Router::Match match = Find(router, "GET", "/livez");
  EXPECT_EQ(match.route, "/livez");
  EXPECT_TRUE(match.params.empty());
  EXPECT_EQ(Find(router, "GET", "/nowhere").route, "");
}

// Each registered path has its own index, whatever the method or status
// (200, 405, 400), so a table indexed by it labels requests like the name.
TEST(Router, EachRegisteredPathHasItsOwnIndex) {
  Router router;
  router.Get("/", Ok).Post("/", Ok).Get("/livez", Ok).Get("/notes/{id}", Ok);
  router.Get("/users/{name}", Ok);
  const Router::Match root = Find(router, "GET", "/");
  EXPECT_EQ(Find(router, "POST", "/").route_index, root.route_index);
  EXPECT_EQ(Find(router, "DELETE", "/").route_index, root.route_index);
  const std::vector<std::uint32_t> indexes = {
      root.route_index, Find(router, "GET", "/livez").route_index,
      Find(router, "GET", "/notes/7").route_index,
      Find(router, "GET", "/users/ann").route_index};
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    for (std::size_t j = i + 1; j < indexes.size(); ++j) {
      EXPECT_NE(indexes[i], indexes[j]) << i << " and " << j;
    }
  }
  EXPECT_EQ(Find(router, "PUT", "/notes/7").route_index, indexes[2]);    // 405
  EXPECT_EQ(Find(router, "GET", "/notes/%zz").route_index, indexes[2]);  // 400
}

TEST(Router, StorageIsReusedAcrossRequests) {
  Router router;
  router.Get("/notes/{id}", Ok);
  PathParamStorage storage;
  Router::Match first = router.Find("GET", "/notes/a%20b", storage);
  ASSERT_EQ(first.params.size(), 1u);
  EXPECT_EQ(first.params[0].value, "a b");
  Router::Match second = router.Find("GET", "/notes/c%20d", storage);
  ASSERT_EQ(second.params.size(), 1u);
  EXPECT_EQ(second.params[0].value, "c d");
  EXPECT_EQ(storage.params.size(), 1u);
}

// Registration errors: bugs, reported when the route is added.

// The message of what `add` throws, as type E.
template <typename E, typename F>
std::string ThrownMessage(F add) {
  try {
    add();
  } catch (const E& e) {
    return e.what();
  }
  return "nothing thrown";
}

TEST(Router, RejectsSamePatternAndMethodTwice) {
  Router router;
  router.Get("/notes/{id}", Ok);
  EXPECT_EQ(
      ThrownMessage<std::logic_error>([&] { router.Get("/notes/{id}", Ok); }),
      "route registered twice: GET /notes/{id}");
  EXPECT_NO_THROW(router.Post("/notes/{id}", Ok));
}

TEST(Router, RejectsPatternOfTheSameShapeWithOtherNames) {
  Router router;
  router.Get("/notes/{id}", Ok);
  EXPECT_EQ(ThrownMessage<std::logic_error>(
                [&] { router.Delete("/notes/{key}", Ok); }),
            "route pattern '/notes/{key}' matches the same paths as "
            "'/notes/{id}': register its methods on '/notes/{id}'");
  EXPECT_NO_THROW(router.Get("/notes/{id}/text", Ok));
  EXPECT_NO_THROW(router.Get("/{kind}/{id}", Ok));
}

TEST(Router, RejectsEmptyParameterName) {
  Router router;
  EXPECT_EQ(ThrownMessage<std::invalid_argument>(
                [&] { router.Get("/notes/{}", Ok); }),
            "route pattern '/notes/{}': empty parameter name '{}'");
}

TEST(Router, RejectsDuplicateParameterName) {
  Router router;
  EXPECT_EQ(ThrownMessage<std::invalid_argument>(
                [&] { router.Get("/{id}/x/{id}", Ok); }),
            "route pattern '/{id}/x/{id}': parameter 'id' appears twice");
}

TEST(Router, RejectsBraceNotMakingAWholeSegment) {
  Router router;
  for (std::string pattern :
       {"/notes/{id", "/notes/id}", "/notes/x{id}", "/notes/{id}x",
        "/notes/{id}.json", "/notes/{a}{b}", "/{", "/}", "/notes/{{id}}"}) {
    std::string message =
        ThrownMessage<std::invalid_argument>([&] { router.Get(pattern, Ok); });
    EXPECT_EQ(message.rfind("route pattern '" + pattern + "': ", 0), 0u)
        << message;
  }
}

TEST(Router, RejectsParameterNameWithOtherCharacters) {
  Router router;
  EXPECT_EQ(ThrownMessage<std::invalid_argument>(
                [&] { router.Get("/notes/{note id}", Ok); }),
            "route pattern '/notes/{note id}': parameter name 'note id' must "
            "be letters, digits and '_'");
  EXPECT_NO_THROW(router.Get("/notes/{note_id2}", Ok));
}

TEST(Router, RejectedPatternLeavesNoRoute) {
  Router router;
  EXPECT_THROW(router.Get("/notes/{}", Ok), std::invalid_argument);
  EXPECT_EQ(Find(router, "GET", "/notes/{}").status, 404);
  EXPECT_NO_THROW(router.Get("/notes/{id}", Ok));
}

TEST(Responder, DroppedResponderAnswers500) {
  Router router;
  router.GetAsync("/forgets", [](const Request&, Responder) {});
  EXPECT_EQ(Call(Find(router, "GET", "/forgets")).status, 500);
}

}  // namespace
}  // namespace twelve
