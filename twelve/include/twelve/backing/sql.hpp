#pragma once
// sql::Client: SQL on the database DATABASE_URL attaches (factor IV),
// PostgreSQL (postgres://, postgresql://) or SQLite (sqlite:///path), with
// the same code for both. Part of the kit's public contract.
//
//   // Serving: one client for the process, called from a handler's thread.
//   auto db = twelve::sql::Open(url, options, context.loops(), context.log());
//   (*db)->Query("INSERT INTO notes (text) VALUES ($1) RETURNING id",
//                {text}, [](twelve::Result<twelve::sql::ResultSet> rows) {
//                  if (!rows.ok()) { /* rows.status() */ return; }
//                  std::int64_t id = *(*rows)[0].Int(0);
//                });
//   // Several statements that apply together or not at all:
//   (*db)->Transaction({{"UPDATE a SET n = n - $1 WHERE id = $2", {5, 1}},
//                       {"UPDATE a SET n = n + $1 WHERE id = $2", {5, 2}}},
//                      [](auto results) { /* one ResultSet each */ });
//   // An admin task (factor XII): the same calls, blocking.
//   auto task = twelve::sql::BlockingClient::Open(url, options, log);
//   twelve::Status status = (*task)->Migrate(migrations);
//   auto count = (*task)->Query("SELECT count(*) FROM notes");
//
// Queries: parameterised only, $1, $2, ... on both engines (SQLite binds
// them by name; ? and :name are refused), one statement per call; the SQL is
// never built from values. Each Query is atomic by itself (one that fails
// undoes only itself); BEGIN, COMMIT and the like are refused, since the
// connection is shared: Transaction() runs a list of statements in one
// transaction, which the first failure rolls back whole. A transaction
// cannot read and then decide inside itself (write that as one statement:
// UPDATE ... WHERE ... RETURNING).
//
// Threading: every call is made on one of the EventLoops the client was
// opened with (an I/O thread), and its callback runs later on that same
// loop; a failure known at once (bad arguments, not connected) may be
// reported inside the call. PostgreSQL: one pipelined connection per loop.
// SQLite: a thread of its own that runs what every loop sent meanwhile in
// one transaction (a group commit), then posts each answer to its loop.
//
// Failures, as Status: kInvalidArgument (the SQL or its parameters are
// wrong: the database's message, with PostgreSQL's SQLSTATE, e.g.
// "postgres: ERROR 23505: duplicate key ..."; not applied), kUnavailable
// (not connected, or the database refused for now, as with a serialization
// failure: not applied, safe to retry), kTimeout (no answer within
// STORE_TIMEOUT: a write may have been applied), kAmbiguous (sent, and the
// connection broke before the answer: it may have been applied; never
// retried, by the client or blindly by its caller), kInternal (a result
// past the bounds: 65,536 rows or 8 MiB of rows; ask for fewer rows).
//
// Connections are made in the background when opened and remade with
// jittered backoff; each transition is one log event.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/backing/migration.hpp"
#include "twelve/backing/sql_values.hpp"
#include "twelve/backing/store_callback.hpp"
#include "twelve/backing/store_options.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve {
class EventLoops;
class TaskLoop;
}  // namespace twelve

namespace twelve::sql {

class Client {
 public:
  // Each called once, on the loop that made the call (store_callback.hpp).
  using RowsCallback = StoreCallback<void(Result<ResultSet>)>;
  using TransactionCallback =
      StoreCallback<void(Result<std::vector<ResultSet>>)>;
  using StatusCallback = StoreCallback<void(Status)>;

  virtual ~Client() = default;

  // Runs one statement with `params` as $1, $2, ...
  virtual void Query(std::string sql, std::vector<Param> params,
                     RowsCallback done) = 0;
  // Runs `statements` in order in one transaction: a ResultSet for each, or
  // the first failure (then none of them applied, unless kAmbiguous or
  // kTimeout says it cannot be known).
  virtual void Transaction(std::vector<Statement> statements,
                           TransactionCallback done) = 0;
  // Applies the migrations not yet applied, each in its own transaction,
  // recording them in a schema_migrations table (on a connection of its own
  // for PostgreSQL). Safe to run while web processes are serving.
  virtual void Migrate(std::vector<Migration> migrations,
                       StatusCallback done) = 0;

  // True while the connection of every loop is up. Any thread; never blocks.
  virtual bool Ready() const = 0;
  // Closes the connections; callbacks still pending are dropped. Call after
  // the loops stopped (a shutdown hook) or from the task's thread.
  virtual void Close() = 0;
  // "postgres" or "sqlite".
  virtual std::string_view kind() const = 0;
};

// True when `status` is the database refusing a statement because a table
// it names does not exist (PostgreSQL's SQLSTATE 42P01, SQLite's "no such
// table"): most often a schema not migrated yet. Either client's failures
// are understood, whichever is attached.
bool IsMissingTable(const Status& status);

// Opens a client on the database `url` names, one connection per loop of
// `loops`. Returns at once; it connects in the background. A redis:// URL is
// kInvalidArgument.
Result<std::unique_ptr<Client>> Open(const StoreUrl& url,
                                     const StoreOptions& options,
                                     EventLoops& loops, const Logger& log);

// The same client for an admin task: each call blocks the calling thread
// (never an I/O thread) until its answer, at most the connect timeout plus
// the operation timeout (Migrate: that per migration), else kTimeout.
class BlockingClient {
 public:
  static Result<std::unique_ptr<BlockingClient>> Open(
      const StoreUrl& url, const StoreOptions& options, const Logger& log);
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  Result<ResultSet> Query(std::string sql, std::vector<Param> params = {});
  Result<std::vector<ResultSet>> Transaction(std::vector<Statement> statements);
  Status Migrate(std::vector<Migration> migrations);
  std::string_view kind() const { return client_->kind(); }

 private:
  BlockingClient(std::unique_ptr<TaskLoop> loop, const StoreOptions& options);

  std::unique_ptr<TaskLoop> loop_;
  StoreOptions options_;
  std::unique_ptr<Client> client_;  // after loop_: closed before it goes
};

}  // namespace twelve::sql
