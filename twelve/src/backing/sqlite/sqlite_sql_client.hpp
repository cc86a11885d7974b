#pragma once
// The SQLite driver of sql::Client (twelve/backing/sql.hpp).
//
// One connection on a thread of its own (SQLite blocks): calls from every
// loop queue for it; it takes all that is queued and runs it in one
// BEGIN IMMEDIATE ... COMMIT (a group commit: one fsync-free WAL append for
// many calls), then posts each answer to its caller's loop. A Query is one
// statement there (a failing statement undoes only itself); a Transaction
// runs inside a SAVEPOINT, rolled back whole at its first failure. When the
// commit itself fails (another process held the lock past STORE_TIMEOUT, a
// disk error) every call of the batch fails and none applied. Parameters
// are bound by name, $1, $2, ...; the same connection setup (WAL, busy
// waits bounded by the deadline) and migrator as the counter store's.

#include <memory>

#include "twelve/backing/sql.hpp"

namespace twelve::backing {

std::unique_ptr<sql::Client> NewSqliteSqlClient(const StoreUrl& url,
                                                const StoreOptions& options,
                                                EventLoops& loops,
                                                const Logger& log);

}  // namespace twelve::backing
