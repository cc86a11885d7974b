#include "backing/postgres/postgres_counter_store.hpp"
#include "backing/redis/redis_counter_store.hpp"
#include "backing/sqlite/sqlite_counter_store.hpp"
#include "twelve/backing/counter_store.hpp"

namespace twelve {

Result<std::unique_ptr<CounterStore>> OpenCounterStore(
    const StoreUrl& url, const StoreOptions& options, EventLoops& loops,
    const Logger& log) {
  switch (url.kind) {
    case StoreUrl::Kind::kRedis:
      return backing::NewRedisCounterStore(url, options, loops, log);
    case StoreUrl::Kind::kPostgres:
      return backing::NewPostgresCounterStore(url, options, loops, log);
    case StoreUrl::Kind::kSqlite:
      return backing::NewSqliteCounterStore(url, options, loops, log);
  }
  return Status::InvalidArgument("unknown store kind");
}

}  // namespace twelve
