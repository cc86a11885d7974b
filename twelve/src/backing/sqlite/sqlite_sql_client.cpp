// sql::Client on SQLite: one thread of its own per database (open, run the
// queued jobs of every loop as one group commit, lose and reopen the
// database, deliver each answer to its loop), past the usual length: the job
// queue, the transaction that groups a batch (a statement or a savepoint
// per Transaction call, so one failing call undoes only its own work) and
// the loss of the database read best side by side.

#include "backing/sqlite/sqlite_sql_client.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backing/backoff.hpp"
#include "backing/sql/sql_checks.hpp"
#include "backing/sqlite/sqlite_connection.hpp"
#include "backing/sqlite/sqlite_migrator.hpp"
#include "backing/sqlite/sqlite_statements.hpp"
#include "process/event_loops.hpp"
#include "thread_name.hpp"

namespace twelve::backing {
namespace {

using Clock = std::chrono::steady_clock;

// Beyond this many waiting calls, new ones fail at once (kUnavailable): a
// database that cannot keep up sheds load rather than queue minutes of work.
constexpr std::size_t kMaxQueuedJobs = 10000;
constexpr char kSavepoint[] = "SAVEPOINT twelve_transaction";
constexpr char kRollbackSavepoint[] =
    "ROLLBACK TO twelve_transaction; RELEASE twelve_transaction";
constexpr char kReleaseSavepoint[] = "RELEASE twelve_transaction";

// One call on its way to the SQLite thread and back to its loop.
struct Job {
  std::vector<sql::Statement> statements;
  bool transaction = false;  // all or none (else one Query)
  std::vector<Migration> migrations;
  bool migrate = false;
  sql::Client::TransactionCallback done;  // statements
  sql::Client::StatusCallback migrated;   // migrate
  std::size_t loop = 0;
  Clock::time_point deadline;
  Status status;  // the outcome
  std::vector<sql::ResultSet> results;
  // Counts the round trip on its loop (not a migrate's), when set.
  StoreMetrics* metrics = nullptr;
  Clock::time_point sent;

  void Finish() {
    if (metrics != nullptr && !migrate) {
      CountOperation(*metrics, loop, sent, status.ok());
    }
    if (migrate) {
      migrated(status);
    } else if (status.ok()) {
      done(std::move(results));
    } else {
      done(status);
    }
  }
};

// A call that waited past its deadline fails without running: its caller
// is owed an answer within STORE_TIMEOUT.
bool Expired(Job& job, Clock::time_point now) {
  if (job.deadline > now) return false;
  job.status = Status::Timeout(
      "sqlite: waited longer than STORE_TIMEOUT for the database; not run");
  return true;
}

class SqliteSqlClient final : public sql::Client {
 public:
  SqliteSqlClient(const StoreUrl& url, const StoreOptions& options,
                  EventLoops& loops, const Logger& log)
      : url_(url.Masked()),
        path_(url.path),
        options_(options),
        loops_(loops),
        log_(log),
        backoff_(options.min_backoff, options.max_backoff) {
    loops.store_metrics().SetKind("sqlite");
    thread_ = std::thread([this] {
      NameThisThread("sqlite");
      Run();
    });
  }
  ~SqliteSqlClient() override { Close(); }

  void Query(std::string sql, std::vector<sql::Param> params,
             RowsCallback done) override {
    Job job;
    job.statements.push_back({std::move(sql), std::move(params)});
    job.done = [done = std::move(done)](
                   Result<std::vector<sql::ResultSet>> sets) mutable {
      if (!sets.ok()) {
        done(sets.status());
      } else {
        done(std::move(sets->front()));
      }
    };
    Enqueue(std::move(job));
  }
  void Transaction(std::vector<sql::Statement> statements,
                   TransactionCallback done) override {
    Job job;
    job.statements = std::move(statements);
    job.transaction = true;
    job.done = std::move(done);
    Enqueue(std::move(job));
  }
  void Migrate(std::vector<Migration> migrations,
               StatusCallback done) override {
    Job job;
    job.migrate = true;
    job.migrations = std::move(migrations);
    job.migrated = std::move(done);
    Enqueue(std::move(job));
  }
  bool Ready() const override { return ready_.load(); }
  void Close() override;
  std::string_view kind() const override { return "sqlite"; }

 private:
  void Enqueue(Job job);
  Status Refusal() const;  // mutex_ held

  // The rest runs on the SQLite thread.
  void Run();
  bool WaitForWork(std::vector<Job>& jobs);
  void Open();
  void LoseDatabase(const std::string& error);
  void RunBatch(std::vector<Job>& jobs);
  void RunGroup(std::vector<Job*>& group);
  int RunJob(Job& job);
  void Deliver(std::vector<Job>& jobs);

  const std::string url_;  // masked
  const std::string path_;
  const StoreOptions options_;
  EventLoops& loops_;
  const Logger log_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> queue_;         // guarded by mutex_
  bool down_ = false;              // guarded by mutex_
  bool closing_ = false;           // guarded by mutex_
  std::atomic<bool> stop_{false};  // closing_, for lock waits
  std::atomic<bool> ready_{false};

  // Only the SQLite thread touches these.
  SqliteConnection conn_;
  SqliteStatements statements_{conn_};
  Backoff backoff_;
  Clock::time_point retry_at_;
  bool lost_ = false;  // a loss was logged and the database is not back

  std::thread thread_;  // last: starts once everything above is built
};

void SqliteSqlClient::Enqueue(Job job) {
  const int loop = loops_.CurrentIndex();
  if (loop < 0) {
    job.status =
        Status::Internal("sql: sqlite client called outside its loops");
    job.Finish();
    return;
  }
  for (const sql::Statement& statement : job.statements) {
    job.status = CheckSqlStatement(statement.sql, statement.params.size());
    if (!job.status.ok()) {
      job.Finish();
      return;
    }
  }
  job.loop = static_cast<std::size_t>(loop);
  job.metrics = &loops_.store_metrics();
  job.sent = Clock::now();
  job.deadline = job.sent + options_.operation_timeout;
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
    refused->Finish();  // outside the lock: it may call the client again
  } else if (was_empty) {
    wake_.notify_one();  // the thread sleeps only on an empty queue
  }
}

Status SqliteSqlClient::Refusal() const {
  if (closing_) return Status::Unavailable("sqlite: client closed");
  if (down_) return Status::Unavailable("sqlite: database not open; retrying");
  if (queue_.size() >= kMaxQueuedJobs) {
    return Status::Unavailable(
        "sqlite: too many calls waiting for the database");
  }
  return Status::Ok();
}

void SqliteSqlClient::Close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  stop_.store(true);
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  ready_.store(false);
}

void SqliteSqlClient::Run() {
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
  for (Job& job : jobs)
    job.status = Status::Unavailable("sqlite: client closed");
  Deliver(jobs);
  statements_.Clear();
  conn_.Close();
}

// Waits for jobs (or, while the database is not open, for the next attempt
// to open it) and takes all of them. False when closing.
bool SqliteSqlClient::WaitForWork(std::vector<Job>& jobs) {
  std::unique_lock lock(mutex_);
  if (conn_.open()) {
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
  } else {
    wake_.wait_until(lock, retry_at_, [this] { return closing_; });
  }
  jobs.swap(queue_);
  return !closing_;
}

void SqliteSqlClient::Open() {
  Status status =
      conn_.Open(path_, Clock::now() + options_.connect_timeout, stop_);
  if (!status.ok()) {
    LoseDatabase(status.message());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    down_ = false;
  }
  log_.Info("store connected",
            {{"store", "sqlite"}, {"url", url_}, {"back", lost_}});
  // On the client's own thread: its slot of the store metrics.
  if (lost_) {
    loops_.store_metrics().Reconnect(loops_.store_metrics().own_thread_slot());
  }
  lost_ = false;
  ready_.store(true);  // after the event: whoever sees ready finds it logged
}

// The database failed to open, or a batch failed with a disk error: close
// it, fail what is queued, try again after a backoff; calls fail at once
// meanwhile. Logged once per loss.
void SqliteSqlClient::LoseDatabase(const std::string& error) {
  statements_.Clear();
  conn_.Close();
  ready_.store(false);
  std::vector<Job> queued;
  {
    std::lock_guard lock(mutex_);
    down_ = true;
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

// Runs the jobs in call order: queries and transactions together in one
// transaction, each migrate on its own (its migrations take their own).
void SqliteSqlClient::RunBatch(std::vector<Job>& jobs) {
  std::vector<Job*> group;
  group.reserve(jobs.size());
  for (Job& job : jobs) {
    if (!job.migrate) {
      group.push_back(&job);
      continue;
    }
    RunGroup(group);
    group.clear();
    if (Expired(job, Clock::now())) continue;
    job.status = conn_.open()
                     ? SqliteMigrator(conn_, options_.operation_timeout, log_)
                           .Run(std::move(job.migrations))
                     : Status::Unavailable("sqlite: database not open");
  }
  RunGroup(group);
}

void SqliteSqlClient::RunGroup(std::vector<Job*>& group) {
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
    rc = RunJob(*group[i]);
  }
  if (rc == SQLITE_DONE) rc = conn_.Step(conn_.commit());
  if (rc == SQLITE_DONE) {
    backoff_.Reset();
    return;
  }
  const std::string error = conn_.error();
  conn_.RollbackIfOpen();
  const Status failure = SqliteTransactionFailure(rc, error);
  for (Job* job : group) {
    job->status = failure;
    job->results.clear();
  }
  // Lock contention is normal; anything else (disk full, I/O error, a
  // damaged file) is treated as a lost connection.
  if (!IsSqliteBusy(rc)) LoseDatabase(error);
}

// Runs one call inside the batch's transaction. Returns SQLITE_DONE when
// the call is settled (done, or failed on its own), else the error that
// ends the whole transaction.
int SqliteSqlClient::RunJob(Job& job) {
  if (job.transaction && conn_.Exec(kSavepoint) != SQLITE_OK) {
    job.status = Status::Internal("sqlite: " + conn_.error());
    return SQLITE_DONE;
  }
  job.results.resize(job.statements.size());
  int fatal_rc = SQLITE_DONE;
  for (std::size_t i = 0; i < job.statements.size(); ++i) {
    job.status = statements_.Run(job.statements[i], job.results[i], &fatal_rc);
    if (fatal_rc != SQLITE_DONE) return fatal_rc;
    if (!job.status.ok()) break;
  }
  if (!job.transaction) return SQLITE_DONE;
  const int rc =
      conn_.Exec(job.status.ok() ? kReleaseSavepoint : kRollbackSavepoint);
  if (rc != SQLITE_OK && job.status.ok()) {
    job.status = Status::Internal("sqlite: " + conn_.error());
  }
  if (!job.status.ok()) job.results.clear();
  return conn_.EndsTransaction(rc) && rc != SQLITE_OK ? rc : SQLITE_DONE;
}

// Hands each loop its finished jobs in one post.
void SqliteSqlClient::Deliver(std::vector<Job>& jobs) {
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

std::unique_ptr<sql::Client> NewSqliteSqlClient(const StoreUrl& url,
                                                const StoreOptions& options,
                                                EventLoops& loops,
                                                const Logger& log) {
  return std::make_unique<SqliteSqlClient>(url, options, loops, log);
}

}  // namespace twelve::backing
