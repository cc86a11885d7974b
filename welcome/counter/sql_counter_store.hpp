#pragma once
// The SQL driver of CounterStore, on the kit's sql::Client: one driver for
// PostgreSQL and SQLite, the same statements on both. Counters live in
//   counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)
// which the migrate task creates; a missing table is kInternal with a hint
// to run it. Add is one upsert ... RETURNING (SQLite has it since 3.35), so
// concurrent processes count exactly.
//
// PostgreSQL: one pipelined connection per loop; Migrate on a connection of
// its own, each migration in a transaction holding an advisory lock.
// SQLite: the client's thread runs what every loop sent meanwhile in one
// transaction (a group commit); processes sharing the file take turns on
// its write lock, each waiting at most STORE_TIMEOUT. See
// twelve/backing/sql.hpp for how each failure is reported; a statement the
// database refuses is kInternal here (the store answered an error).

#include <memory>
#include <twelve/backing/sql.hpp>

#include "counter/counter_store.hpp"

namespace welcome {

std::unique_ptr<CounterStore> NewSqlCounterStore(
    std::unique_ptr<twelve::sql::Client> client);

}  // namespace welcome
