#pragma once
// The Redis driver of CounterStore: a counter is a plain Redis string key
// (the course keeps its count under `visitorCount`), changed with INCRBY and
// SET and read with GET. One pipelined RedisConnection per event loop; AUTH
// and SELECT come from the URL.

#include <memory>

#include "twelve/backing/counter_store.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"

namespace twelve {
class EventLoops;
}

namespace twelve::backing {

// Returns at once; each loop's connection connects in the background.
// `loops` must hold at least one loop and outlive the store.
std::unique_ptr<CounterStore> NewRedisCounterStore(const StoreUrl& url,
                                                   const StoreOptions& options,
                                                   EventLoops& loops,
                                                   const Logger& log);

}  // namespace twelve::backing
