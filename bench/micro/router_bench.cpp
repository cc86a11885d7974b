// Route lookup for welcome's routes (the app's, and the kit's health ones),
// and for a pattern such as a JSON API's "/notes/{id}".
#include <benchmark/benchmark.h>

#include "twelve/http/router.hpp"

namespace {

twelve::Response Ok(const twelve::Request&) {
  return twelve::Response::Text("ok");
}

twelve::Router WelcomeLikeRouter() {
  twelve::Router router;
  router.Get("/livez", Ok).Get("/readyz", Ok).Get("/version", Ok).Get("/", Ok);
  return router;
}

twelve::Router NotesLikeRouter() {
  twelve::Router router = WelcomeLikeRouter();
  router.Get("/notes", Ok).Post("/notes", Ok);
  router.Get("/notes/{id}", Ok).Delete("/notes/{id}", Ok);
  return router;
}

void BM_RouteRoot(benchmark::State& state) {
  twelve::Router router = WelcomeLikeRouter();
  twelve::PathParamStorage storage;
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.Find("GET", "/", storage));
  }
}

void BM_RouteNotFound(benchmark::State& state) {
  twelve::Router router = WelcomeLikeRouter();
  twelve::PathParamStorage storage;
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.Find("GET", "/favicon.ico", storage));
  }
}

void BM_RoutePattern(benchmark::State& state) {
  twelve::Router router = NotesLikeRouter();
  twelve::PathParamStorage storage;
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.Find("GET", "/notes/12345", storage));
  }
}

void BM_RoutePatternDecoded(benchmark::State& state) {
  twelve::Router router = NotesLikeRouter();
  twelve::PathParamStorage storage;
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.Find("GET", "/notes/a%20b", storage));
  }
}

BENCHMARK(BM_RouteRoot);
BENCHMARK(BM_RouteNotFound);
BENCHMARK(BM_RoutePattern);
BENCHMARK(BM_RoutePatternDecoded);

}  // namespace
