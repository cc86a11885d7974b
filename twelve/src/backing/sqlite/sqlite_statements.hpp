#pragma once
// SqliteStatements: runs sql::Statement values on an open SqliteConnection:
// prepares each SQL text once (a bounded cache), binds $1, $2, ... by name,
// and reads the rows into a ResultSet within the result bounds
// (result_bounds.hpp). Private to the SQLite driver of sql::Client.
//
// Thread safety: none; the client's SQLite thread only.

#include <sqlite3.h>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "backing/sqlite/sqlite_connection.hpp"
#include "twelve/backing/sql_values.hpp"
#include "twelve/status.hpp"

namespace twelve::backing {

class SqliteStatements {
 public:
  explicit SqliteStatements(SqliteConnection& conn) : conn_(conn) {}

  // Runs `statement` to its end inside the open transaction and fills
  // `result`. Returns OK, or why it failed: kInvalidArgument (bad SQL or
  // parameters, a constraint: the statement undid itself), kInternal (the
  // result passed a bound: it ran, its rows were dropped). When the failure
  // ends the whole transaction (lock timeout, I/O error), `*fatal_rc` is set
  // to its code and the caller must roll back.
  Status Run(const sql::Statement& statement, sql::ResultSet& result,
             int* fatal_rc);

  // Finalizes every cached statement: before the connection closes.
  void Clear() { cache_.clear(); }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  using Prepared = std::unique_ptr<sqlite3_stmt, Finalizer>;
  // Distinct SQL texts kept prepared; past it the cache starts over.
  static constexpr std::size_t kMaxCached = 128;

  Status Prepare(const std::string& sql, sqlite3_stmt** out, int* fatal_rc);
  Status Failure(int rc, int* fatal_rc);

  SqliteConnection& conn_;
  std::unordered_map<std::string, Prepared> cache_;
};

}  // namespace twelve::backing
