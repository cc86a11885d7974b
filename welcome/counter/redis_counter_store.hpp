#pragma once
// The Redis driver of CounterStore, on the kit's redis::Client: a counter is
// a plain Redis string key (the course keeps its count under
// `visitorCount`), changed with INCRBY and SET and read with GET. One
// pipelined connection per event loop (the client's); AUTH and SELECT come
// from the URL.

#include <memory>
#include <twelve/backing/redis.hpp>

#include "counter/counter_store.hpp"

namespace welcome {

// `client` must have been opened on `loops`, which outlive the store.
std::unique_ptr<CounterStore> NewRedisCounterStore(twelve::redis::Client client,
                                                   twelve::EventLoops& loops);

}  // namespace welcome
