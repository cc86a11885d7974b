#include "backing/postgres/postgres_sql_client.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <charconv>
#include <mutex>
#include <utility>

#include "backing/postgres/postgres_connection.hpp"
#include "backing/postgres/postgres_migrator.hpp"
#include "backing/sql/sql_checks.hpp"
#include "process/event_loops.hpp"

namespace twelve::backing {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Type OIDs (pg_type.dat).
constexpr std::int32_t kBool = 16;
constexpr std::int32_t kInt8 = 20;
constexpr std::int32_t kFloat8 = 701;
constexpr std::int32_t kInferred = 0;

std::string DoubleText(double value) {
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, end);  // "inf", "nan": float8in reads them
}

PostgresQuery ToQuery(sql::Statement statement) {
  PostgresQuery query;
  query.sql = std::move(statement.sql);
  query.describe = true;
  query.params.reserve(statement.params.size());
  query.param_types.reserve(statement.params.size());
  for (sql::Param& param : statement.params) {
    switch (param.type()) {
      case sql::Param::Type::kNull:
        query.params.emplace_back();
        query.param_types.push_back(kInferred);
        break;
      case sql::Param::Type::kInt:
        query.params.emplace_back(std::to_string(param.int_value()));
        query.param_types.push_back(kInt8);
        break;
      case sql::Param::Type::kDouble:
        query.params.emplace_back(DoubleText(param.double_value()));
        query.param_types.push_back(kFloat8);
        break;
      case sql::Param::Type::kText:
        query.params.emplace_back(param.text());
        query.param_types.push_back(kInferred);
        break;
      case sql::Param::Type::kBool:
        query.params.emplace_back(param.int_value() != 0 ? "true" : "false");
        query.param_types.push_back(kBool);
        break;
    }
  }
  return query;
}

// The rows a command tag says were changed: "INSERT 0 3", "UPDATE 2",
// "DELETE 1", "MERGE 4"; 0 for other commands.
std::int64_t Affected(std::string_view tag) {
  if (!tag.starts_with("INSERT ") && !tag.starts_with("UPDATE ") &&
      !tag.starts_with("DELETE ") && !tag.starts_with("MERGE ")) {
    return 0;
  }
  std::string_view count = tag.substr(tag.rfind(' ') + 1);
  std::int64_t value = 0;
  std::from_chars(count.data(), count.data() + count.size(), value);
  return value;
}

// The server refused the statement. Not applied: the error rolled back the
// implicit transaction it ran in.
Status ServerFailure(const pg::ServerError& error) {
  std::string message = "postgres: " + pg::Describe(error);
  // Class 40 (serialization failure, deadlock) and 53 (out of resources,
  // too many connections) pass: the same statement may succeed later.
  if (error.sqlstate.starts_with("40") || error.sqlstate.starts_with("53")) {
    return Status::Unavailable(message + "; not applied, retry");
  }
  if (error.sqlstate == "57014") {  // statement_timeout
    return Status::Timeout(message + "; not applied");
  }
  return Status::InvalidArgument(message);
}

Result<std::vector<sql::ResultSet>> ToResultSets(
    Result<PostgresResult> answer) {
  if (!answer.ok()) return answer.status();
  if (answer->error) return ServerFailure(*answer->error);
  std::vector<sql::ResultSet> sets;
  sets.reserve(answer->statements.size());
  for (PostgresResult::Statement& statement : answer->statements) {
    sets.emplace_back(std::move(statement.columns), std::move(statement.rows),
                      Affected(statement.command));
  }
  return sets;
}

class PostgresSqlClient final : public sql::Client {
 public:
  PostgresSqlClient(const StoreUrl& url, const StoreOptions& options,
                    EventLoops& loops, const Logger& log)
      : url_(url), options_(options), loops_(loops), log_(log) {
    loops.store_metrics().SetKind("postgres");
    PostgresConnection::Options connection;
    connection.connect_timeout = options.connect_timeout;
    connection.operation_timeout = options.operation_timeout;
    connection.min_backoff = options.min_backoff;
    connection.max_backoff = options.max_backoff;
    connection.metrics = &loops.store_metrics();  // its reconnects
    for (std::size_t i = 0; i < loops.size(); ++i) {
      auto c = std::make_shared<PostgresConnection>(
          loops.context(i), url, connection, log, static_cast<int>(i));
      connections_.push_back(c);
      asio::post(loops.context(i), [c] { c->Start(); });
    }
  }
  ~PostgresSqlClient() override { Close(); }

  void Query(std::string sql, std::vector<sql::Param> params,
             RowsCallback done) override {
    std::vector<sql::Statement> one;
    one.push_back({std::move(sql), std::move(params)});
    Run(std::move(one), [done = std::move(done)](
                            Result<std::vector<sql::ResultSet>> sets) mutable {
      if (!sets.ok()) {
        done(sets.status());
      } else {
        done(std::move(sets->front()));
      }
    });
  }

  void Transaction(std::vector<sql::Statement> statements,
                   TransactionCallback done) override {
    if (statements.empty()) {
      done(std::vector<sql::ResultSet>{});
      return;
    }
    Run(std::move(statements), std::move(done));
  }

  void Migrate(std::vector<Migration> migrations,
               StatusCallback done) override {
    int loop = loops_.CurrentIndex();
    if (loop < 0) {
      done(OffLoop());
      return;
    }
    asio::io_context& io = loops_.context(loop);
    auto connection = std::make_shared<PostgresConnection>(
        io, url_,
        PostgresMigrationOptions(options_.connect_timeout,
                                 options_.operation_timeout),
        log_, loop);
    {
      std::lock_guard lock(mutex_);
      std::erase_if(one_offs_, [](const auto& weak) { return weak.expired(); });
      one_offs_.push_back(connection);
    }
    RunPostgresMigrations(io, std::move(connection), std::move(migrations),
                          log_, std::move(done));
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
    return Status::Internal("sql: postgres client called outside its loops");
  }

  // Sends `statements` as one query (the first) and the ones that follow it
  // before its sync point.
  void Run(std::vector<sql::Statement> statements, TransactionCallback done) {
    int loop = loops_.CurrentIndex();
    if (loop < 0) {
      done(OffLoop());
      return;
    }
    for (const sql::Statement& statement : statements) {
      Status status = CheckSqlStatement(statement.sql, statement.params.size());
      if (!status.ok()) {
        done(std::move(status));
        return;
      }
    }
    PostgresQuery query = ToQuery(std::move(statements.front()));
    for (std::size_t i = 1; i < statements.size(); ++i) {
      query.then.push_back(ToQuery(std::move(statements[i])));
    }
    // Each round trip is counted on its loop (store_operations, _errors,
    // _round_trip_seconds).
    connections_[loop]->Submit(
        std::move(query),
        [metrics = &loops_.store_metrics(), loop, sent = Clock::now(),
         done = std::move(done)](Result<PostgresResult> answer) mutable {
          Result<std::vector<sql::ResultSet>> sets =
              ToResultSets(std::move(answer));
          CountOperation(*metrics, static_cast<std::size_t>(loop), sent,
                         sets.ok());
          done(std::move(sets));
        });
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

std::unique_ptr<sql::Client> NewPostgresSqlClient(const StoreUrl& url,
                                                  const StoreOptions& options,
                                                  EventLoops& loops,
                                                  const Logger& log) {
  return std::make_unique<PostgresSqlClient>(url, options, loops, log);
}

}  // namespace twelve::backing
