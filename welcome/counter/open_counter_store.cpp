// OpenCounterStore: the URL's kind picks the kit's client, and the counter's
// driver on it.

#include <twelve/backing/redis.hpp>
#include <twelve/backing/sql.hpp>

#include "counter/counter_store.hpp"
#include "counter/redis_counter_store.hpp"
#include "counter/sql_counter_store.hpp"

namespace welcome {

twelve::Result<std::unique_ptr<CounterStore>> OpenCounterStore(
    const twelve::StoreUrl& url, const twelve::StoreOptions& options,
    twelve::EventLoops& loops, const twelve::Logger& log) {
  if (url.kind == twelve::StoreUrl::Kind::kRedis) {
    auto client = twelve::redis::Client::Open(url, options, loops, log);
    if (!client.ok()) return client.status();
    return NewRedisCounterStore(std::move(*client), loops);
  }
  auto client = twelve::sql::Open(url, options, loops, log);
  if (!client.ok()) return client.status();
  return NewSqlCounterStore(std::move(*client));
}

}  // namespace welcome
