#pragma once
// The PostgreSQL driver of CounterStore.
//
// One pipelined connection per event loop (see PostgresConnection); a call
// uses the connection of the loop it is made on. Counters live in
//   counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)
// which the migrate task creates; a missing table is kInternal with a hint
// to run it. Add is one upsert ... RETURNING, so concurrent processes count
// exactly.
//
// Migrate runs on a connection of its own, opened for the task and closed
// after it, because a migration's transaction must not take in the loop's
// other calls.
// Each migration runs in its own transaction holding a transaction-level
// advisory lock, and is skipped if schema_migrations already records it, so
// concurrent migrate tasks apply each migration once. A migration must not
// manage transactions itself (no BEGIN/COMMIT, no CREATE INDEX
// CONCURRENTLY).

#include <memory>

#include "twelve/backing/counter_store.hpp"

namespace twelve::backing {

std::unique_ptr<CounterStore> NewPostgresCounterStore(
    const StoreUrl& url, const StoreOptions& options, EventLoops& loops,
    const Logger& log);

}  // namespace twelve::backing
