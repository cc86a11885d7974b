// Route lookup for welcome's routes: the app's, and the kit's health ones.
#include <benchmark/benchmark.h>

#include "twelve/http/router.hpp"

namespace {

twelve::Router WelcomeLikeRouter() {
  twelve::Router router;
  auto ok = [](const twelve::Request&) { return twelve::Response::Text("ok"); };
  router.Get("/livez", ok).Get("/readyz", ok).Get("/version", ok).Get("/", ok);
  return router;
}

void BM_RouteRoot(benchmark::State& state) {
  twelve::Router router = WelcomeLikeRouter();
  for (auto _ : state) benchmark::DoNotOptimize(router.Find("GET", "/"));
}

void BM_RouteNotFound(benchmark::State& state) {
  twelve::Router router = WelcomeLikeRouter();
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.Find("GET", "/favicon.ico"));
  }
}

BENCHMARK(BM_RouteRoot);
BENCHMARK(BM_RouteNotFound);

}  // namespace
