#pragma once
// The PostgreSQL migrate task: applies an app's migrations in version order
// on a connection of its own, each in one transaction with its row in
// schema_migrations, under an advisory lock that every migrate task of every
// process takes, so two tasks running at once apply each migration once.
// Used by the counter store and by sql::Client.
//
// Threading: the connection's loop.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "backing/postgres/postgres_connection.hpp"
#include "twelve/backing/migration.hpp"
#include "twelve/backing/store_callback.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve::backing {

// The options of a migrate task's connection: one attempt, no reconnection,
// and a statement timeout long enough for a migration that rewrites a big
// table (the task's own deadline still bounds it).
PostgresConnection::Options PostgresMigrationOptions(
    std::chrono::milliseconds connect_timeout,
    std::chrono::milliseconds operation_timeout);

// Starts `connection` (made with PostgresMigrationOptions, not started) and
// applies on it the `migrations` not yet recorded; logs one "migration
// applied" event for each; closes the connection (an unfinished transaction
// rolls back) and calls `done` with the outcome: kInvalidArgument when two
// migrations share a version, kInternal naming the migration that failed.
void RunPostgresMigrations(boost::asio::io_context& io,
                           std::shared_ptr<PostgresConnection> connection,
                           std::vector<Migration> migrations, const Logger& log,
                           StoreCallback<void(Status)> done);

}  // namespace twelve::backing
