#pragma once
// SqliteMigrator: applies schema migrations on a SQLite connection. Each
// migration not yet recorded in schema_migrations runs in its own transaction
// together with its row there. BEGIN IMMEDIATE takes the write lock first, so
// a migrate running at the same time in another process waits for it, then
// finds the version recorded and skips it. Private to the SQLite client;
// header-only because it is small and has one user.
//
// Thread safety: none; used on the client's own thread.

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "backing/sqlite/sqlite_connection.hpp"
#include "twelve/backing/migration.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve::backing {

class SqliteMigrator {
 public:
  // Each transaction waits at most `timeout` for another writer's lock.
  SqliteMigrator(SqliteConnection& conn, std::chrono::milliseconds timeout,
                 const Logger& log)
      : conn_(conn), timeout_(timeout), log_(log) {}

  // Applies, in version order, the migrations not yet recorded; logs one
  // "migration applied" event for each. Stops at the first failure.
  Status Run(std::vector<Migration> migrations) {
    std::sort(migrations.begin(), migrations.end(),
              [](const Migration& a, const Migration& b) {
                return a.version < b.version;
              });
    for (std::size_t i = 1; i < migrations.size(); ++i) {
      if (migrations[i].version == migrations[i - 1].version) {
        return Status::InvalidArgument("migration version " +
                                       std::to_string(migrations[i].version) +
                                       " is used twice");
      }
    }
    conn_.set_busy_deadline(std::chrono::steady_clock::now() + timeout_);
    if (int rc = conn_.Exec(kCreateTableSql); rc != SQLITE_OK) {
      return SqliteTransactionFailure(rc, conn_.error());
    }
    for (const Migration& migration : migrations) {
      Status status = Apply(migration);
      if (!status.ok()) return status;
    }
    return Status::Ok();
  }

 private:
  static constexpr char kCreateTableSql[] =
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
      "KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
  static constexpr char kIsRecordedSql[] =
      "SELECT 1 FROM schema_migrations WHERE version = ?1";
  static constexpr char kRecordSql[] =
      "INSERT INTO schema_migrations (version, name, applied_at) "
      "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

  Status Apply(const Migration& migration) {
    conn_.set_busy_deadline(std::chrono::steady_clock::now() + timeout_);
    int rc = conn_.Step(conn_.begin());
    if (rc != SQLITE_DONE) return SqliteTransactionFailure(rc, conn_.error());
    bool applied = false;
    rc = ApplyIfNew(migration, &applied);
    if (rc == SQLITE_DONE) rc = conn_.Step(conn_.commit());
    if (rc != SQLITE_DONE) {
      const std::string error = conn_.error();
      conn_.RollbackIfOpen();
      if (IsSqliteBusy(rc)) return SqliteTransactionFailure(rc, error);
      return Status::Internal("sqlite: migration " +
                              std::to_string(migration.version) + " (" +
                              migration.name + ") failed: " + error);
    }
    if (applied) {
      log_.Info("migration applied", {{"store", "sqlite"},
                                      {"version", migration.version},
                                      {"name", migration.name}});
    }
    return Status::Ok();
  }

  // Inside the transaction: runs `migration` and records it, unless it is
  // recorded already. Returns SQLITE_DONE or the error.
  int ApplyIfNew(const Migration& migration, bool* applied) {
    sqlite3_stmt* stmt = nullptr;
    int rc = conn_.Cached(kIsRecordedSql, &stmt);
    if (rc != SQLITE_OK) return rc;
    std::int64_t recorded = 0;
    sqlite3_bind_int(stmt, 1, migration.version);
    rc = conn_.Step(stmt, &recorded);
    if (rc != SQLITE_DONE || recorded != 0) return rc;
    if ((rc = conn_.Exec(migration.sql.c_str())) != SQLITE_OK) return rc;
    if ((rc = conn_.Cached(kRecordSql, &stmt)) != SQLITE_OK) return rc;
    sqlite3_bind_int(stmt, 1, migration.version);
    sqlite3_bind_text(stmt, 2, migration.name.data(),
                      static_cast<int>(migration.name.size()), SQLITE_STATIC);
    rc = conn_.Step(stmt);
    *applied = rc == SQLITE_DONE;
    return rc;
  }

  SqliteConnection& conn_;
  std::chrono::milliseconds timeout_;
  const Logger& log_;
};

}  // namespace twelve::backing
