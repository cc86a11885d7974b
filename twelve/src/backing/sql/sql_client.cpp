#include <utility>

#include "backing/postgres/postgres_sql_client.hpp"
#include "backing/sqlite/sqlite_sql_client.hpp"
#include "twelve/backing/sql.hpp"
#include "twelve/process/task_loop.hpp"

namespace twelve::sql {

// The clients' own message forms (postgres_sql_client.cpp: "postgres:
// <severity> <SQLSTATE>: ..."; sqlite_statements.cpp: "sqlite: <SQLite's
// message> (code N)"): the test beside them keeps the two in step.
bool IsMissingTable(const Status& status) {
  if (status.code() != StatusCode::kInvalidArgument) return false;
  const std::string& message = status.message();
  if (message.starts_with("postgres: ")) {
    return message.find(" 42P01: ") != std::string::npos;
  }
  return message.starts_with("sqlite: no such table: ");
}

Result<std::unique_ptr<Client>> Open(const StoreUrl& url,
                                     const StoreOptions& options,
                                     EventLoops& loops, const Logger& log) {
  switch (url.kind) {
    case StoreUrl::Kind::kPostgres:
      return backing::NewPostgresSqlClient(url, options, loops, log);
    case StoreUrl::Kind::kSqlite:
      return backing::NewSqliteSqlClient(url, options, loops, log);
    case StoreUrl::Kind::kRedis:
      break;
  }
  return Status::InvalidArgument(
      "sql: expected a postgres://, postgresql:// or sqlite:/// URL, got " +
      url.Masked());
}

Result<std::unique_ptr<BlockingClient>> BlockingClient::Open(
    const StoreUrl& url, const StoreOptions& options, const Logger& log) {
  auto loop = std::make_unique<TaskLoop>();
  Result<std::unique_ptr<Client>> client =
      sql::Open(url, options, loop->loops(), log);
  if (!client.ok()) return client.status();
  std::unique_ptr<BlockingClient> blocking(
      new BlockingClient(std::move(loop), options));
  blocking->client_ = std::move(*client);
  return blocking;
}

BlockingClient::BlockingClient(std::unique_ptr<TaskLoop> loop,
                               const StoreOptions& options)
    : loop_(std::move(loop)), options_(options) {}

BlockingClient::~BlockingClient() {
  if (client_) client_->Close();
}

Result<ResultSet> BlockingClient::Query(std::string sql,
                                        std::vector<Param> params) {
  return loop_->RunFor<Result<ResultSet>>(
      [&](Client::RowsCallback done) {
        client_->Query(std::move(sql), std::move(params), std::move(done));
      },
      options_.connect_timeout + options_.operation_timeout);
}

Result<std::vector<ResultSet>> BlockingClient::Transaction(
    std::vector<Statement> statements) {
  return loop_->RunFor<Result<std::vector<ResultSet>>>(
      [&](Client::TransactionCallback done) {
        client_->Transaction(std::move(statements), std::move(done));
      },
      options_.connect_timeout + options_.operation_timeout);
}

Status BlockingClient::Migrate(std::vector<Migration> migrations) {
  const auto timeout = (options_.connect_timeout + options_.operation_timeout) *
                       static_cast<long>(migrations.size() + 1);
  return loop_->RunFor<Status>(
      [&](Client::StatusCallback done) {
        client_->Migrate(std::move(migrations), std::move(done));
      },
      timeout);
}

}  // namespace twelve::sql
