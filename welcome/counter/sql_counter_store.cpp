#include "counter/sql_counter_store.hpp"

#include <string>
#include <utility>

namespace welcome {
namespace {

using twelve::Migration;
using twelve::Result;
using twelve::Status;
using twelve::StatusCode;
using twelve::sql::ResultSet;

constexpr char kAddSql[] =
    "INSERT INTO counters (name, value) VALUES ($1, $2) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + "
    "excluded.value RETURNING value";
constexpr char kGetSql[] = "SELECT value FROM counters WHERE name = $1";
constexpr char kSetSql[] =
    "INSERT INTO counters (name, value) VALUES ($1, $2) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value";
constexpr char kSchemaVersionSql[] =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";

// The database refused the statement: for the counter that is the store
// answering an error (kInternal), with a hint when the schema is missing.
// Outages, timeouts and ambiguity pass as they are.
Status CounterFailure(const Status& status) {
  if (status.code() != StatusCode::kInvalidArgument) return status;
  if (twelve::sql::IsMissingTable(status)) {
    return Status::Internal(status.message() +
                            "; the counters table does not exist: run the "
                            "migrate task (`welcome migrate`)");
  }
  return Status::Internal(status.message());
}

// The first column of the first row as a number; `absent` when no row.
Result<std::int64_t> ToValue(const Result<ResultSet>& rows,
                             std::int64_t absent) {
  if (!rows.ok()) return CounterFailure(rows.status());
  if (rows->empty()) return absent;
  std::optional<std::int64_t> value = (*rows)[0].Int(0);
  if (!value) return Status::Internal("a counter value is not an integer");
  return *value;
}

class SqlCounterStore final : public CounterStore {
 public:
  explicit SqlCounterStore(std::unique_ptr<twelve::sql::Client> client)
      : client_(std::move(client)) {}
  ~SqlCounterStore() override { Close(); }

  void Add(std::string_view key, std::int64_t delta,
           ValueCallback done) override {
    if (Status refused = CheckKey(key); !refused.ok()) return done(refused);
    client_->Query(kAddSql, {key, delta},
                   [done = std::move(done)](Result<ResultSet> rows) mutable {
                     done(ToValue(rows, 0));
                   });
  }

  void Get(std::string_view key, ValueCallback done) override {
    if (Status refused = CheckKey(key); !refused.ok()) return done(refused);
    client_->Query(kGetSql, {key},
                   [done = std::move(done)](Result<ResultSet> rows) mutable {
                     done(ToValue(rows, 0));
                   });
  }

  void Set(std::string_view key, std::int64_t value,
           StatusCallback done) override {
    if (Status refused = CheckKey(key); !refused.ok()) return done(refused);
    client_->Query(
        kSetSql, {key, value},
        [done = std::move(done)](Result<ResultSet> rows) mutable {
          done(rows.ok() ? Status::Ok() : CounterFailure(rows.status()));
        });
  }

  void Migrate(const std::vector<Migration>& migrations,
               StatusCallback done) override {
    client_->Migrate(migrations, std::move(done));
  }

  // No schema_migrations table yet: nothing was ever migrated.
  void SchemaVersion(ValueCallback done) override {
    client_->Query(
        kSchemaVersionSql, {},
        [done = std::move(done)](Result<ResultSet> rows) mutable {
          if (!rows.ok() && twelve::sql::IsMissingTable(rows.status())) {
            done(std::int64_t{0});
            return;
          }
          done(ToValue(rows, 0));
        });
  }

  bool Ready() const override { return client_->Ready(); }
  void Close() override { client_->Close(); }
  std::string_view kind() const override { return client_->kind(); }

 private:
  // PostgreSQL's text cannot hold a NUL byte: refused before it is sent.
  Status CheckKey(std::string_view key) const {
    if (key.find('\0') == std::string_view::npos) return Status::Ok();
    return Status::InvalidArgument("a counter name cannot hold a NUL byte");
  }

  std::unique_ptr<twelve::sql::Client> client_;
};

}  // namespace

std::unique_ptr<CounterStore> NewSqlCounterStore(
    std::unique_ptr<twelve::sql::Client> client) {
  return std::make_unique<SqlCounterStore>(std::move(client));
}

}  // namespace welcome
