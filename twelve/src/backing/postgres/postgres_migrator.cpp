#include "backing/postgres/postgres_migrator.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <string>
#include <utility>

namespace twelve::backing {
namespace asio = boost::asio;

namespace {

// Held, for the length of each migration's transaction, by every migrate
// task of every process ("twelve" in ASCII).
constexpr const char* kMigrationLock = "128034844915301";
// A migration may rewrite a big table: the per-command timeout of the web
// path would cut it short. The task's own deadline still bounds it.
constexpr std::chrono::milliseconds kMigrationStatementTimeout{10 * 60 * 1000};

// OK when the server answered without error.
Status ServerStatus(const PostgresResult& result) {
  if (result.ok()) return {};
  return Status::Internal("postgres: " + pg::Describe(*result.error));
}

// Applies migrations in order on a connection of its own, one transaction
// each: lock, check, apply, record, commit.
class Migrator : public std::enable_shared_from_this<Migrator> {
 public:
  Migrator(asio::io_context& io, std::shared_ptr<PostgresConnection> connection,
           std::vector<Migration> migrations, const Logger& log,
           StoreCallback<void(Status)> done)
      : io_(io),
        connection_(std::move(connection)),
        migrations_(std::move(migrations)),
        log_(log),
        done_(std::move(done)) {}

  void Run() {
    Step(PostgresQuery::Script(
             std::string("BEGIN; SELECT pg_advisory_xact_lock(") +
             kMigrationLock +
             "); CREATE TABLE IF NOT EXISTS schema_migrations ("
             "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
             "applied_at TIMESTAMPTZ NOT NULL DEFAULT now()); COMMIT"),
         &Migrator::OnTableReady);
  }

 private:
  using Next = void (Migrator::*)(const PostgresResult&);

  void Step(PostgresQuery query, Next next) {
    connection_->Submit(std::move(query), [self = shared_from_this(), next](
                                              Result<PostgresResult> answer) {
      Status status = answer.ok() ? ServerStatus(*answer) : answer.status();
      if (!status.ok()) {
        self->Finish(std::move(status));
        return;
      }
      ((*self).*next)(*answer);
    });
  }

  void OnTableReady(const PostgresResult&) { ApplyNext(); }

  void ApplyNext() {
    if (next_ == migrations_.size()) {
      Finish(Status::Ok());
      return;
    }
    applying_ = true;
    // Checked under the lock: another task may have applied it meanwhile.
    Step(PostgresQuery::Script(
             std::string("BEGIN; SELECT pg_advisory_xact_lock(") +
             kMigrationLock +
             "); SELECT 1 FROM schema_migrations WHERE version = " +
             std::to_string(migrations_[next_].version)),
         &Migrator::OnLocked);
  }

  void OnLocked(const PostgresResult& applied) {
    if (!applied.rows.empty()) {
      Step(PostgresQuery::Script("COMMIT"), &Migrator::OnSkipped);
      return;
    }
    Step(PostgresQuery::Script(migrations_[next_].sql), &Migrator::OnApplied);
  }

  void OnApplied(const PostgresResult&) {
    const Migration& migration = migrations_[next_];
    PostgresQuery record;
    record.sql =
        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)";
    record.params = {std::to_string(migration.version), migration.name};
    Step(std::move(record), &Migrator::OnRecorded);
  }

  void OnRecorded(const PostgresResult&) {
    Step(PostgresQuery::Script("COMMIT"), &Migrator::OnCommitted);
  }

  void OnSkipped(const PostgresResult&) {
    ++next_;
    ApplyNext();
  }

  void OnCommitted(const PostgresResult&) {
    const Migration& migration = migrations_[next_];
    log_.Info("migration applied", {{"store", "postgres"},
                                    {"version", migration.version},
                                    {"name", migration.name}});
    ++next_;
    ApplyNext();
  }

  void Finish(Status status) {
    if (status.code() == StatusCode::kInternal && applying_) {
      const Migration& migration = migrations_[next_];
      status = Status::Internal(
          "migration " + std::to_string(migration.version) + " (" +
          migration.name + ") failed: " + status.message());
    }
    // Not from inside the connection's own callback; closing rolls back an
    // unfinished transaction.
    asio::post(io_, [connection = connection_] { connection->Close(); });
    StoreCallback<void(Status)> done = std::move(done_);
    done(std::move(status));
  }

  asio::io_context& io_;
  std::shared_ptr<PostgresConnection> connection_;
  std::vector<Migration> migrations_;
  const Logger& log_;
  StoreCallback<void(Status)> done_;
  std::size_t next_ = 0;
  bool applying_ = false;  // past creating schema_migrations
};

}  // namespace

PostgresConnection::Options PostgresMigrationOptions(
    std::chrono::milliseconds connect_timeout,
    std::chrono::milliseconds operation_timeout) {
  PostgresConnection::Options options;
  options.connect_timeout = connect_timeout;
  options.operation_timeout =
      std::max(operation_timeout, kMigrationStatementTimeout);
  options.reconnect = false;
  options.log_transitions = false;
  return options;
}

void RunPostgresMigrations(asio::io_context& io,
                           std::shared_ptr<PostgresConnection> connection,
                           std::vector<Migration> migrations, const Logger& log,
                           StoreCallback<void(Status)> done) {
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) {
              return a.version < b.version;
            });
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      done(Status::InvalidArgument("two migrations have version " +
                                   std::to_string(migrations[i].version)));
      return;
    }
  }
  auto migrator = std::make_shared<Migrator>(
      io, connection, std::move(migrations), log, std::move(done));
  connection->Start();
  migrator->Run();
}

}  // namespace twelve::backing
