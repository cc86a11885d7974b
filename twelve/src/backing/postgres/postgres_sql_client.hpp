#pragma once
// The PostgreSQL driver of sql::Client (twelve/backing/sql.hpp).
//
// One pipelined connection per event loop (PostgresConnection), shared by
// every call made on that loop: a query is Parse/Bind/Execute/Sync on the
// unnamed statement, with integers, doubles and booleans typed (int8,
// float8, bool) and text and NULL left for the server to infer from the
// SQL, so `$1` may be a timestamp or JSON given as text. A transaction is
// its statements' messages before one Sync: an implicit transaction that
// the first error rolls back whole, with no round trip for BEGIN or COMMIT.
// Migrate runs on a connection of its own (postgres_migrator.hpp).

#include <memory>

#include "twelve/backing/sql.hpp"

namespace twelve::backing {

std::unique_ptr<sql::Client> NewPostgresSqlClient(const StoreUrl& url,
                                                  const StoreOptions& options,
                                                  EventLoops& loops,
                                                  const Logger& log);

}  // namespace twelve::backing
