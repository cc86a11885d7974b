// welcome's counter's coalescing (welcome/counter/): N visits of one loop
// turn as one store call, against the in-memory store so that only the
// coalescing itself is timed.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "counter/counter_store.hpp"
#include "process/event_loops.hpp"
#include "twelve/log/logger.hpp"

namespace {

void BM_CoalescedVisits(benchmark::State& state) {
  boost::asio::io_context io;
  twelve::EventLoops loops({&io});
  twelve::StdoutSink sink;  // the store is never closed: it logs nothing
  const twelve::Logger log(sink, twelve::LogLevel::kWarn,
                           twelve::LogFormat::kJson);
  auto metrics = welcome::RegisterCounterMetrics(loops.app_metrics());
  auto store = welcome::NewCoalescingCounterStore(
      welcome::NewMemoryCounterStore(), loops, log, *metrics);
  const auto visits = state.range(0);
  std::int64_t last = 0;
  for (auto _ : state) {
    boost::asio::post(io, [&] {
      for (std::int64_t i = 0; i < visits; ++i) {
        store->Add("visitorCount", 1,
                   [&](twelve::Result<std::int64_t> value) { last = *value; });
      }
    });
    io.run();
    io.restart();
  }
  benchmark::DoNotOptimize(last);
  state.SetItemsProcessed(state.iterations() * visits);
}

BENCHMARK(BM_CoalescedVisits)->Arg(1)->Arg(16)->Arg(256);

}  // namespace
