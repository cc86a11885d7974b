// The access log as a pipelined connection drives it: a pass of 16 answers
// recorded, stamped together when they are handed to the socket, and
// published at the end of the loop turn (into a sink that drops the lines,
// so that only the access log is timed).
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <string_view>

#include "http/access_log.hpp"
#include "twelve/log/logger.hpp"

namespace twelve {
namespace {

class DroppingSink final : public LogSink {
 public:
  void Write(std::string_view lines) override {
    benchmark::DoNotOptimize(lines.data());
  }
  void Flush() override {}
};

constexpr int kPipelineDepth = 16;

void BM_AccessLogPipelinedPass(benchmark::State& state) {
  DroppingSink sink;
  const Logger log(sink, LogLevel::kInfo, LogFormat::kJson);
  boost::asio::io_context io;
  http::AccessLog access(log, true, io);
  // hello's answer to bench/wrk/pipeline.lua, with a worker's request id.
  const http::AccessEvent event{
      "GET", "/", 200, 21, "127.0.0.1:41728", "9fb6b259-000000000001"};
  for (auto _ : state) {
    const auto began = http::AccessLog::Clock::now();
    for (int i = 0; i < kPipelineDepth; ++i) access.Record(event, began);
    access.Stamp();
    io.restart();
    io.poll();  // the end of the loop turn: Publish()
  }
  state.SetItemsProcessed(state.iterations() * kPipelineDepth);
}
BENCHMARK(BM_AccessLogPipelinedPass);

}  // namespace
}  // namespace twelve
