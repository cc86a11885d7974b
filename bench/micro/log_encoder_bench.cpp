// The access log's cost per request: one event, eight fields, encoded into a
// buffer that is already warm, as Logger::Log does on every thread.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "twelve/log.hpp"

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

}  // namespace
}  // namespace twelve
