// What counting a request for /metrics costs (issue 14): RequestMetrics'
// Record and Stamp, as a connection calls them, with the clock read a flush
// makes. A request of hello costs about 9 µs of CPU under wrk at 50
// connections (docs/performance.md); these are the nanoseconds added.
#include <benchmark/benchmark.h>

#include <chrono>

#include "http/request_metrics.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// One request per flush: 50 keep-alive connections, no pipelining.
void BM_CountOneRequestPerFlush(benchmark::State& state) {
  twelve::http::RequestMetrics metrics;
  for (auto _ : state) {
    metrics.Record("GET", "/", 200, Clock::now());
    metrics.Stamp(Clock::now());
  }
}

// Sixteen pipelined requests share a flush and its clock read.
void BM_CountSixteenPipelined(benchmark::State& state) {
  twelve::http::RequestMetrics metrics;
  for (auto _ : state) {
    const Clock::time_point began = Clock::now();
    for (int i = 0; i < 16; ++i) metrics.Record("GET", "/", 200, began);
    metrics.Stamp(Clock::now());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}

// The clock reads alone, which a request pays anyway (its arrival and, with
// ACCESS_LOG=on, its stamp): what the two benchmarks above include.
void BM_TwoClockReads(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(Clock::now());
    benchmark::DoNotOptimize(Clock::now());
  }
}

BENCHMARK(BM_CountOneRequestPerFlush);
BENCHMARK(BM_CountSixteenPipelined);
BENCHMARK(BM_TwoClockReads);

}  // namespace
