#pragma once
// SqliteConnection: one SQLite database connection set up for sharing a file
// between processes (WAL, a busy wait bounded by a deadline), with its
// statements prepared once. A thin RAII wrapper over the C API, private to
// the SQLite driver; header-only because it is small and has one user.
//
// Thread safety: none. Only the store's own thread touches a connection.

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "twelve/status.hpp"

namespace twelve::backing {

// Lock contention (another writer held the lock past the deadline).
inline bool IsSqliteBusy(int rc) {
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

// Why a whole transaction failed. It was rolled back, so it definitely did
// not apply: its calls fail with kTimeout or kUnavailable (retrying is safe),
// never kAmbiguous. SQLite commits atomically: an error from COMMIT itself
// means the commit did not happen.
inline Status SqliteTransactionFailure(int rc, const std::string& error) {
  if (IsSqliteBusy(rc)) {
    return Status::Timeout(
        "sqlite: another writer held the database lock for longer than "
        "STORE_TIMEOUT; not applied");
  }
  return Status::Unavailable("sqlite: " + error + "; not applied");
}

class SqliteConnection {
 public:
  using Clock = std::chrono::steady_clock;

  SqliteConnection() = default;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() { Close(); }

  // Opens (creating it if absent) the database file at `path` and sets it
  // up; waits for other processes' locks until `deadline`, or until `stop`
  // is set. On failure the connection stays closed.
  Status Open(const std::string& path, Clock::time_point deadline,
              const std::atomic<bool>& stop) {
    Close();
    stop_ = &stop;
    busy_deadline_ = deadline;
    // Retried until the deadline: processes that open a new file together
    // race to switch it to WAL, and SQLite may answer SQLITE_BUSY there
    // without calling the busy handler (to avoid a deadlock).
    for (;;) {
      Status status = Setup(path);
      if (status.ok()) return status;
      Close();
      if (stop.load() || Clock::now() + kOpenRetry >= deadline) return status;
      std::this_thread::sleep_for(kOpenRetry);
    }
  }
  bool open() const { return db_ != nullptr; }
  // The database, for statements the caller prepares and finalizes itself
  // (before Close()).
  sqlite3* handle() const { return db_.get(); }
  void Close() {
    statements_.clear();  // finalized before the database closes
    begin_.reset();
    commit_.reset();
    rollback_.reset();
    db_.reset();
  }

  // Lock waits (BEGIN IMMEDIATE) give up at `deadline` with SQLITE_BUSY.
  void set_busy_deadline(Clock::time_point deadline) {
    busy_deadline_ = deadline;
  }

  sqlite3_stmt* begin() { return begin_.get(); }
  sqlite3_stmt* commit() { return commit_.get(); }

  // Runs `stmt` to its end, keeping the first column of the last row in
  // `*value`, and resets it. Returns SQLITE_DONE or the error (see error()).
  int Step(sqlite3_stmt* stmt, std::int64_t* value = nullptr) {
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (value != nullptr) *value = sqlite3_column_int64(stmt, 0);
    }
    if (rc != SQLITE_DONE) error_ = ErrorText(rc);
    sqlite3_reset(stmt);
    return rc;
  }
  // Runs one or more statements. Returns SQLITE_OK or the error.
  int Exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      error_ = message != nullptr ? message : sqlite3_errstr(rc);
    }
    sqlite3_free(message);
    return rc;
  }
  // The statement for `sql` (a string constant: its address is the key),
  // prepared on first use, as the tables it names may not exist before.
  int Cached(const char* sql, sqlite3_stmt** out) {
    std::unique_ptr<sqlite3_stmt, Finalizer>& slot = statements_[sql];
    int rc = SQLITE_OK;
    if (slot == nullptr) rc = Prepare(sql, slot);
    *out = slot.get();
    return rc;
  }
  // True when `rc` ended the whole transaction, not just one statement.
  bool EndsTransaction(int rc) const {
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
      case SQLITE_IOERR:
      case SQLITE_FULL:
      case SQLITE_NOMEM:
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
      case SQLITE_READONLY:
      case SQLITE_CANTOPEN:
      case SQLITE_PROTOCOL:
      case SQLITE_INTERRUPT:
        return true;
      default:
        return sqlite3_get_autocommit(db_.get()) != 0;
    }
  }
  void RollbackIfOpen() {
    if (open() && sqlite3_get_autocommit(db_.get()) == 0) Step(rollback_.get());
  }
  // The text of the last error, with the system's reason for I/O errors.
  const std::string& error() const { return error_; }
  // Records the error `rc` of a statement the caller ran, for error().
  void set_error(int rc) { error_ = ErrorText(rc); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  using Statement = std::unique_ptr<sqlite3_stmt, Finalizer>;

  // How long a writer waiting for another process's lock sleeps between
  // tries. A lock is held for one batch (well under a millisecond, no fsync)
  // and is free only in the short gaps between batches: SQLite's own busy
  // handler (PRAGMA busy_timeout), sleeping up to 100 ms between tries, lets
  // a busy process starve the others until STORE_TIMEOUT.
  static constexpr std::chrono::microseconds kBusyPoll{100};
  // Between attempts to open and set up the file.
  static constexpr std::chrono::milliseconds kOpenRetry{5};

  Status Setup(const std::string& path) {
    sqlite3* db = nullptr;
    // NOMUTEX: only the store's thread ever touches this connection.
    int rc = sqlite3_open_v2(
        path.c_str(), &db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
        nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK) return Failed("cannot open the database", rc);
    if (sqlite3_db_readonly(db, "main") == 1) {
      return Status::Unavailable("sqlite: the database file is read-only");
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_handler(db, &SqliteConnection::OnBusy, this);
    // WAL: readers never block the writer, and a commit appends to the log.
    std::string mode;
    rc = sqlite3_exec(
        db, "PRAGMA journal_mode=WAL",
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) = values[0] ? values[0] : "";
          return 0;
        },
        &mode, nullptr);
    if (rc != SQLITE_OK) return Failed("cannot enable WAL mode", rc);
    if (mode != "wal") {
      return Status::Unavailable("sqlite: cannot enable WAL mode (mode '" +
                                 mode + "')");
    }
    // synchronous=NORMAL with WAL: a commit is written to the WAL without an
    // fsync (the WAL is synced at checkpoints). A committed visit survives
    // the process dying (kill -9), but a power loss or OS crash can lose the
    // last transactions (never corrupt the file). FULL would fsync each batch.
    rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr,
                      nullptr);
    if (rc != SQLITE_OK) return Failed("cannot set synchronous=NORMAL", rc);
    // IMMEDIATE takes the write lock at BEGIN: two processes' transactions
    // then wait for each other there, instead of failing at their first write.
    if ((rc = Prepare("BEGIN IMMEDIATE", begin_)) != SQLITE_OK ||
        (rc = Prepare("COMMIT", commit_)) != SQLITE_OK ||
        (rc = Prepare("ROLLBACK", rollback_)) != SQLITE_OK) {
      return Failed("cannot prepare statements", rc);
    }
    return Status::Ok();
  }

  int Prepare(const char* sql, Statement& out) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(
        db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    out.reset(stmt);
    if (rc != SQLITE_OK) error_ = ErrorText(rc);
    return rc;
  }

  Status Failed(const char* what, int rc) {
    return Status::Unavailable(std::string("sqlite: ") + what + ": " +
                               ErrorText(rc));
  }

  std::string ErrorText(int rc) const {
    if (db_ == nullptr) return sqlite3_errstr(rc);
    std::string text = sqlite3_errmsg(db_.get());
    const int primary = rc & 0xff;
    const int system_errno = sqlite3_system_errno(db_.get());
    if (system_errno != 0 &&
        (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR ||
         primary == SQLITE_FULL || primary == SQLITE_READONLY)) {
      text += " (" + std::generic_category().message(system_errno) + ")";
    }
    return text;
  }

  static int OnBusy(void* self, int /*attempts*/) {
    auto* conn = static_cast<SqliteConnection*>(self);
    if (conn->stop_->load() || Clock::now() >= conn->busy_deadline_) {
      return 0;  // give up: the statement fails with SQLITE_BUSY
    }
    std::this_thread::sleep_for(kBusyPoll);
    return 1;
  }

  // Declared first so that it is destroyed last, after the statements.
  std::unique_ptr<sqlite3, Closer> db_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  std::unordered_map<const char*, Statement> statements_;
  std::string error_;
  Clock::time_point busy_deadline_;
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace twelve::backing
