#include "backing/postgres/postgres_counter_store.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <charconv>
#include <mutex>
#include <utility>

#include "backing/postgres/postgres_connection.hpp"
#include "backing/postgres/postgres_migrator.hpp"
#include "process/event_loops.hpp"

namespace twelve::backing {
namespace asio = boost::asio;

namespace {

enum StatementId { kAdd, kGet, kSet };
constexpr PostgresStatement kStatements[] = {
    {"twelve_add",
     "INSERT INTO counters (name, value) VALUES ($1, $2) "
     "ON CONFLICT (name) DO UPDATE SET value = counters.value + "
     "excluded.value RETURNING value"},
    {"twelve_get", "SELECT value FROM counters WHERE name = $1"},
    {"twelve_set",
     "INSERT INTO counters (name, value) VALUES ($1, $2) "
     "ON CONFLICT (name) DO UPDATE SET value = excluded.value"},
};

// OK when the server answered without error.
Status ServerStatus(const PostgresResult& result) {
  if (result.ok()) return {};
  return Status::Internal("postgres: " + pg::Describe(*result.error));
}

Status CounterStatus(const PostgresResult& result) {
  if (result.error && result.error->sqlstate == "42P01") {
    return Status::Internal(
        "postgres: the counters table does not exist; run the migrate task "
        "(`welcome migrate`)");
  }
  return ServerStatus(result);
}

bool ParseInteger(std::string_view text, std::int64_t& value) {
  const char* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && at == end;
}

// The first column of the first row as a number; `absent` when no row.
Result<std::int64_t> ToValue(Result<PostgresResult> answer,
                             std::int64_t absent) {
  if (!answer.ok()) return answer.status();
  if (Status status = CounterStatus(*answer); !status.ok()) return status;
  if (answer->rows.empty()) return absent;
  const std::optional<std::string>& text = answer->Value(0, 0);
  std::int64_t value = 0;
  if (!text || !ParseInteger(*text, value)) {
    return Status::Internal("postgres: a counter value is not an integer");
  }
  return value;
}

PostgresQuery Statement(StatementId id, std::string_view key) {
  PostgresQuery query;
  query.statement = id;
  query.params.emplace_back(key);
  return query;
}

class PostgresCounterStore final : public CounterStore {
 public:
  PostgresCounterStore(const StoreUrl& url, const StoreOptions& options,
                       EventLoops& loops, const Logger& log)
      : url_(url), options_(options), loops_(loops), log_(log) {
    PostgresConnection::Options connection;
    connection.connect_timeout = options.connect_timeout;
    connection.operation_timeout = options.operation_timeout;
    connection.min_backoff = options.min_backoff;
    connection.max_backoff = options.max_backoff;
    connection.statements = kStatements;
    connection.metrics = &loops.store_metrics();
    for (std::size_t i = 0; i < loops.size(); ++i) {
      auto c = std::make_shared<PostgresConnection>(
          loops.context(i), url, connection, log, static_cast<int>(i));
      connections_.push_back(c);
      asio::post(loops.context(i), [c] { c->Start(); });
    }
  }
  ~PostgresCounterStore() override { Close(); }

  void Add(std::string_view key, std::int64_t delta,
           ValueCallback done) override {
    PostgresQuery query = Statement(kAdd, key);
    query.params.push_back(std::to_string(delta));
    Run(std::move(query), std::move(done), 0);
  }

  void Get(std::string_view key, ValueCallback done) override {
    Run(Statement(kGet, key), std::move(done), 0);
  }

  void Set(std::string_view key, std::int64_t value,
           StatusCallback done) override {
    PostgresQuery query = Statement(kSet, key);
    query.params.push_back(std::to_string(value));
    Run(
        std::move(query),
        [done = std::move(done)](const Result<std::int64_t>& result) {
          done(result.status());
        },
        0);
  }

  void Migrate(const std::vector<Migration>& migrations,
               StatusCallback done) override {
    int loop = loops_.CurrentIndex();
    if (loop < 0) {
      done(OffLoop());
      return;
    }
    asio::io_context& io = loops_.context(loop);
    RunPostgresMigrations(io, OpenOneOff(io, loop), migrations, log_,
                          std::move(done));
  }

  void SchemaVersion(ValueCallback done) override {
    int loop = loops_.CurrentIndex();
    if (loop < 0) {
      done(OffLoop());
      return;
    }
    connections_[static_cast<std::size_t>(loop)]->Submit(
        PostgresQuery::Script(
            "SELECT coalesce(max(version), 0) FROM schema_migrations"),
        [done = std::move(done)](Result<PostgresResult> answer) {
          // No table yet: nothing was ever migrated.
          if (answer.ok() && answer->error &&
              answer->error->sqlstate == "42P01") {
            done(std::int64_t{0});
            return;
          }
          done(ToValue(std::move(answer), 0));
        });
  }

  bool Ready() const override {
    return std::all_of(connections_.begin(), connections_.end(),
                       [](const auto& c) { return c->ready(); });
  }

  void Close() override {
    for (const auto& c : connections_) c->Close();
    std::lock_guard lock(mutex_);
    for (const auto& weak : one_offs_) {
      if (auto c = weak.lock()) c->Close();
    }
    one_offs_.clear();
  }

  std::string_view kind() const override { return "postgres"; }

 private:
  static Status OffLoop() {
    return Status::Internal("postgres store called outside its event loops");
  }

  void Run(PostgresQuery query, ValueCallback done, std::int64_t absent) {
    int loop = loops_.CurrentIndex();
    if (loop < 0) {
      done(OffLoop());
      return;
    }
    if (query.params.front()->find('\0') != std::string::npos) {
      done(Status::InvalidArgument("a counter name cannot hold a NUL byte"));
      return;
    }
    connections_[loop]->Submit(
        std::move(query),
        [done = std::move(done), absent](Result<PostgresResult> answer) {
          done(ToValue(std::move(answer), absent));
        });
  }

  std::shared_ptr<PostgresConnection> OpenOneOff(asio::io_context& io,
                                                 int loop) {
    PostgresConnection::Options options = PostgresMigrationOptions(
        options_.connect_timeout, options_.operation_timeout);
    auto connection =
        std::make_shared<PostgresConnection>(io, url_, options, log_, loop);
    std::lock_guard lock(mutex_);
    std::erase_if(one_offs_, [](const auto& weak) { return weak.expired(); });
    one_offs_.push_back(connection);
    return connection;
  }

  StoreUrl url_;
  StoreOptions options_;
  EventLoops& loops_;
  const Logger& log_;
  std::vector<std::shared_ptr<PostgresConnection>> connections_;
  std::mutex mutex_;  // guards one_offs_, used from every loop
  std::vector<std::weak_ptr<PostgresConnection>> one_offs_;
};

}  // namespace

std::unique_ptr<CounterStore> NewPostgresCounterStore(
    const StoreUrl& url, const StoreOptions& options, EventLoops& loops,
    const Logger& log) {
  return std::make_unique<PostgresCounterStore>(url, options, loops, log);
}

}  // namespace twelve::backing
