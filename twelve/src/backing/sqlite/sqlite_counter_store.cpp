// The SQLite counter store's thread (open, group commit of a batch of
// jobs, lose and reopen the database, deliver answers to the I/O loops),
// past the usual length: the job queue, the transaction that groups a
// batch and the database's loss read best side by side.

#include "backing/sqlite/sqlite_counter_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "backing/backoff.hpp"
#include "backing/sqlite/sqlite_connection.hpp"
#include "backing/sqlite/sqlite_migrator.hpp"
#include "process/event_loops.hpp"

namespace twelve::backing {
namespace {

using Clock = std::chrono::steady_clock;

// Beyond this many waiting calls, new ones fail at once: a store that cannot
// keep up should shed load quickly (503) rather than queue minutes of work.
constexpr std::size_t kMaxQueuedJobs = 10000;

constexpr char kAddSql[] =
    "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) "
    "DO UPDATE SET value = counters.value + excluded.value RETURNING value";
constexpr char kGetSql[] = "SELECT value FROM counters WHERE name = ?1";
constexpr char kSchemaVersionSql[] =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr char kSetSql[] =
    "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) "
    "DO UPDATE SET value = excluded.value";

// A statement's own error (the transaction goes on without it).
Status StatementFailure(const std::string& error) {
  if (error.find("no such table") != std::string::npos) {
    return Status::Internal("sqlite: " + error +
                            "; run the migrate task (`welcome migrate`)");
  }
  return Status::Internal("sqlite: " + error);
}

// One call on its way to the SQLite thread and back to its loop.
struct Job {
  enum class Op { kAdd, kGet, kSet, kMigrate, kSchemaVersion };

  explicit Job(Op op, std::string_view key = {}, std::int64_t value = 0)
      : op(op), key(key), value(value) {}

  Op op;
  std::string key;
  std::int64_t value = 0;
  std::vector<Migration> migrations;
  CounterStore::ValueCallback value_done;    // kAdd, kGet, kSchemaVersion
  CounterStore::StatusCallback status_done;  // kSet, kMigrate
  std::size_t loop = 0;
  Clock::time_point deadline;
  Status status;  // the outcome
  std::int64_t result = 0;

  void Finish() {
    if (value_done) {
      value_done(status.ok() ? Result<std::int64_t>(result)
                             : Result<std::int64_t>(status));
    } else {
      status_done(status);
    }
  }
};

// A call that waited in the queue past its deadline fails without running:
// its caller is owed an answer within STORE_TIMEOUT.
bool Expired(Job& job, Clock::time_point now) {
  if (job.deadline > now) return false;
  job.status = Status::Timeout(
      "sqlite: waited longer than STORE_TIMEOUT for the store; not run");
  return true;
}

class SqliteCounterStore final : public CounterStore {
 public:
  SqliteCounterStore(const StoreUrl& url, const StoreOptions& options,
                     EventLoops& loops, const Logger& log)
      : url_(url.Masked()),
        path_(url.path),
        options_(options),
        loops_(loops),
        log_(log),
        backoff_(options.min_backoff, options.max_backoff) {
    thread_ = std::thread([this] { Run(); });
  }
  ~SqliteCounterStore() override { Close(); }

  void Add(std::string_view key, std::int64_t delta,
           ValueCallback done) override {
    Job job(Job::Op::kAdd, key, delta);
    job.value_done = std::move(done);
    Enqueue(std::move(job));
  }
  void Get(std::string_view key, ValueCallback done) override {
    Job job(Job::Op::kGet, key);
    job.value_done = std::move(done);
    Enqueue(std::move(job));
  }
  void Set(std::string_view key, std::int64_t value,
           StatusCallback done) override {
    Job job(Job::Op::kSet, key, value);
    job.status_done = std::move(done);
    Enqueue(std::move(job));
  }
  void Migrate(const std::vector<Migration>& migrations,
               StatusCallback done) override {
    Job job(Job::Op::kMigrate);
    job.migrations = migrations;
    job.status_done = std::move(done);
    Enqueue(std::move(job));
  }
  void SchemaVersion(ValueCallback done) override {
    Job job(Job::Op::kSchemaVersion);
    job.value_done = std::move(done);
    Enqueue(std::move(job));
  }
  bool Ready() const override { return ready_.load(); }
  void Close() override;
  std::string_view kind() const override { return "sqlite"; }

 private:
  enum class State { kOpening, kOpen, kDown };

  void Enqueue(Job job);
  Status Refusal() const;  // mutex_ held

  // The rest runs on the SQLite thread.
  void Run();
  bool WaitForWork(std::vector<Job>& jobs);
  void Open();
  void LoseDatabase(const std::string& error);
  void RunBatch(std::vector<Job>& jobs);
  void RunWrites(std::vector<Job*>& group);
  int RunOne(Job& job);
  int RunSchemaVersion(Job& job);
  void Deliver(std::vector<Job>& jobs);

  const std::string url_;  // masked
  const std::string path_;
  const StoreOptions options_;
  EventLoops& loops_;
  const Logger log_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> queue_;         // guarded by mutex_
  State state_ = State::kOpening;  // guarded by mutex_
  bool closing_ = false;           // guarded by mutex_
  std::atomic<bool> stop_{false};  // closing_, for lock waits
  std::atomic<bool> ready_{false};

  // Only the SQLite thread touches these.
  SqliteConnection conn_;
  Backoff backoff_;
  Clock::time_point retry_at_;
  bool lost_ = false;  // a loss was logged and the database is not back

  std::thread thread_;  // last: starts once everything above is built
};

void SqliteCounterStore::Enqueue(Job job) {
  const int loop = loops_.CurrentIndex();
  if (loop < 0) {
    job.status = Status::Internal(
        "sqlite: called from a thread that runs none of the store's loops");
    job.Finish();
    return;
  }
  job.loop = static_cast<std::size_t>(loop);
  job.deadline = Clock::now() + options_.operation_timeout;
  bool was_empty = false;
  std::optional<Job> refused;
  {
    std::lock_guard lock(mutex_);
    Status refusal = Refusal();
    if (refusal.ok()) {
      was_empty = queue_.empty();
      queue_.push_back(std::move(job));
    } else {
      job.status = std::move(refusal);
      refused.emplace(std::move(job));
    }
  }
  if (refused) {
    // Known at once, so reported inside the call (nothing was run), and
    // outside the lock, as the callback may call the store again.
    refused->Finish();
  } else if (was_empty) {
    // The thread sleeps only on an empty queue.
    wake_.notify_one();
  }
}

Status SqliteCounterStore::Refusal() const {
  if (closing_) return Status::Unavailable("sqlite: store closed");
  if (state_ == State::kDown) {
    return Status::Unavailable("sqlite: database not open; retrying");
  }
  if (queue_.size() >= kMaxQueuedJobs) {
    return Status::Unavailable("sqlite: too many calls waiting for the store");
  }
  return Status::Ok();
}

void SqliteCounterStore::Close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  stop_.store(true);
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  ready_.store(false);
}

void SqliteCounterStore::Run() {
  std::vector<Job> jobs;
  while (WaitForWork(jobs)) {
    if (!conn_.open()) Open();
    if (conn_.open()) {
      RunBatch(jobs);
    } else {
      for (Job& job : jobs) {
        job.status = Status::Unavailable("sqlite: database not open; not run");
      }
    }
    Deliver(jobs);
    jobs.clear();
  }
  // Closing: what is still queued was never run.
  for (Job& job : jobs) {
    job.status = Status::Unavailable("sqlite: store closed");
  }
  Deliver(jobs);
  conn_.Close();
}

// Waits for jobs (or, while the database is not open, for the next attempt
// to open it) and takes all of them. False when closing.
bool SqliteCounterStore::WaitForWork(std::vector<Job>& jobs) {
  std::unique_lock lock(mutex_);
  if (conn_.open()) {
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
  } else {
    wake_.wait_until(lock, retry_at_, [this] { return closing_; });
  }
  jobs.swap(queue_);
  return !closing_;
}

void SqliteCounterStore::Open() {
  Status status =
      conn_.Open(path_, Clock::now() + options_.connect_timeout, stop_);
  if (!status.ok()) {
    LoseDatabase(status.message());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    state_ = State::kOpen;
  }
  log_.Info("store connected",
            {{"store", "sqlite"}, {"url", url_}, {"back", lost_}});
  // On the store's own thread: its slot of the store metrics.
  if (lost_) {
    loops_.store_metrics().Reconnect(loops_.store_metrics().own_thread_slot());
  }
  lost_ = false;
  // Published after the event: whoever sees the store ready finds it logged.
  ready_.store(true);
}

// The database failed to open, or failed a transaction with a disk error:
// close it, fail what is queued, and try again after a backoff. Until then
// calls fail at once. Logged once per loss, not once per attempt.
void SqliteCounterStore::LoseDatabase(const std::string& error) {
  conn_.Close();
  ready_.store(false);
  std::vector<Job> queued;
  {
    std::lock_guard lock(mutex_);
    state_ = State::kDown;
    queued.swap(queue_);
  }
  for (Job& job : queued) {
    job.status = Status::Unavailable("sqlite: database not open; not run");
  }
  Deliver(queued);
  const std::chrono::milliseconds delay = backoff_.Next();
  retry_at_ = Clock::now() + delay;
  if (lost_) return;
  lost_ = true;
  log_.Warn("store connection lost",
            {{"store", "sqlite"}, {"url", url_}, {"error", error}});
  log_.Info("store reconnecting",
            {{"store", "sqlite"},
             {"url", url_},
             {"delay_ms", static_cast<long long>(delay.count())}});
}

// Runs the jobs in call order: reads and writes together in one transaction,
// each migrate on its own (its migrations take their own transactions).
void SqliteCounterStore::RunBatch(std::vector<Job>& jobs) {
  std::vector<Job*> writes;
  writes.reserve(jobs.size());
  for (Job& job : jobs) {
    if (job.op != Job::Op::kMigrate) {
      writes.push_back(&job);
      continue;
    }
    RunWrites(writes);
    writes.clear();
    if (!Expired(job, Clock::now())) {
      job.status = conn_.open()
                       ? SqliteMigrator(conn_, options_.operation_timeout, log_)
                             .Run(std::move(job.migrations))
                       : Status::Unavailable("sqlite: database not open");
    }
  }
  RunWrites(writes);
}

void SqliteCounterStore::RunWrites(std::vector<Job*>& group) {
  const Clock::time_point now = Clock::now();
  std::erase_if(group, [now](Job* job) { return Expired(*job, now); });
  if (group.empty()) return;
  if (!conn_.open()) {
    for (Job* job : group) {
      job->status = Status::Unavailable("sqlite: database not open; not run");
    }
    return;
  }
  // The whole batch answers by its oldest call's deadline.
  Clock::time_point deadline = Clock::time_point::max();
  for (const Job* job : group) deadline = std::min(deadline, job->deadline);
  conn_.set_busy_deadline(deadline);

  int rc = conn_.Step(conn_.begin());
  for (std::size_t i = 0; rc == SQLITE_DONE && i < group.size(); ++i) {
    rc = RunOne(*group[i]);
  }
  if (rc == SQLITE_DONE) rc = conn_.Step(conn_.commit());
  if (rc == SQLITE_DONE) {
    backoff_.Reset();
    return;
  }
  const std::string error = conn_.error();
  conn_.RollbackIfOpen();
  const Status failure = SqliteTransactionFailure(rc, error);
  for (Job* job : group) job->status = failure;
  // Lock contention is normal; anything else (disk full, I/O error, a
  // damaged file) is treated as a lost connection.
  if (!IsSqliteBusy(rc)) LoseDatabase(error);
}

// Runs one call inside the batch's transaction. Returns SQLITE_DONE when
// the call is settled (done, or failed on its own), else the error that
// ends the whole transaction.
int SqliteCounterStore::RunOne(Job& job) {
  if (job.op == Job::Op::kSchemaVersion) return RunSchemaVersion(job);
  const char* sql = job.op == Job::Op::kAdd   ? kAddSql
                    : job.op == Job::Op::kGet ? kGetSql
                                              : kSetSql;
  sqlite3_stmt* stmt = nullptr;
  int rc = conn_.Cached(sql, &stmt);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, job.key.data(), static_cast<int>(job.key.size()),
                      SQLITE_STATIC);
    if (job.op != Job::Op::kGet) sqlite3_bind_int64(stmt, 2, job.value);
    job.result = 0;  // Get of an absent counter: no row
    rc = conn_.Step(stmt, &job.result);
    if (rc == SQLITE_DONE) return rc;
  }
  if (conn_.EndsTransaction(rc)) return rc;
  job.status = StatementFailure(conn_.error());
  return SQLITE_DONE;
}

// Inside the batch's transaction, as RunOne. No schema_migrations table:
// nothing was migrated, version 0.
int SqliteCounterStore::RunSchemaVersion(Job& job) {
  sqlite3_stmt* stmt = nullptr;
  int rc = conn_.Cached(kSchemaVersionSql, &stmt);
  if (rc == SQLITE_OK) {
    job.result = 0;
    rc = conn_.Step(stmt, &job.result);
    if (rc == SQLITE_DONE) return rc;
  }
  if (conn_.EndsTransaction(rc)) return rc;
  const std::string error = conn_.error();
  if (error.find("no such table") != std::string::npos) {
    job.result = 0;
  } else {
    job.status = StatementFailure(error);
  }
  return SQLITE_DONE;
}

// Hands each loop its finished jobs in one post.
void SqliteCounterStore::Deliver(std::vector<Job>& jobs) {
  if (jobs.empty()) return;
  std::vector<std::vector<Job>> by_loop(loops_.size());
  for (Job& job : jobs) by_loop[job.loop].push_back(std::move(job));
  for (std::size_t i = 0; i < by_loop.size(); ++i) {
    if (by_loop[i].empty()) continue;
    boost::asio::post(loops_.context(i),
                      [done = std::move(by_loop[i])]() mutable {
                        for (Job& job : done) job.Finish();
                      });
  }
}

}  // namespace

std::unique_ptr<CounterStore> NewSqliteCounterStore(const StoreUrl& url,
                                                    const StoreOptions& options,
                                                    EventLoops& loops,
                                                    const Logger& log) {
  return std::make_unique<SqliteCounterStore>(url, options, loops, log);
}

}  // namespace twelve::backing
