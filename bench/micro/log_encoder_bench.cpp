// The access log's cost per request. BM_EncodeAccessEvent: a generic event,
// eight fields, encoded into a warm buffer as Logger::Log does on every
// thread. BM_EncodeAccessLine: the server's own access line (the encoder
// http/access_log.cpp uses on the request path).
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "http/access_log.hpp"
#include "twelve/log/logger.hpp"

namespace twelve {
namespace {

void BM_EncodeAccessEvent(benchmark::State& state) {
  std::string line;
  line.reserve(1024);
  for (auto _ : state) {
    line.clear();
    const Field fields[] = {{"method", "GET"},
                            {"path", "/api/visits?page=2"},
                            {"status", 200},
                            {"bytes", 1234u},
                            {"duration_ms", 0.137},
                            {"remote", "203.0.113.7:51234"},
                            {"user_agent", "curl/7.88.1"},
                            {"keep_alive", true}};
    EncodeJsonLine(line, std::chrono::system_clock::now(), LogLevel::kInfo,
                   "request", fields);
    benchmark::DoNotOptimize(line.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(line.size()));
}
BENCHMARK(BM_EncodeAccessEvent);

void BM_EncodeAccessLine(benchmark::State& state) {
  std::string line;
  line.reserve(1024);
  const http::AccessEvent event{
      "GET", "/api/visits?page=2", 200,
      1234,  "203.0.113.7:51234",  "9fb6b259-000000000001"};
  for (auto _ : state) {
    line.clear();
    http::EncodeAccessLine(line, std::chrono::system_clock::now(), event, 137);
    benchmark::DoNotOptimize(line.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(line.size()));
}
BENCHMARK(BM_EncodeAccessLine);

}  // namespace
}  // namespace twelve
