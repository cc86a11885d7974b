#include "backing/sqlite/sqlite_statements.hpp"

#include <charconv>
#include <vector>

#include "backing/result_bounds.hpp"

namespace twelve::backing {
namespace {

// "$7" -> 7; 0 for any other name (?, ?7, :name, $name).
std::size_t PlaceholderNumber(const char* name) {
  if (name == nullptr || name[0] != '$') return 0;
  std::string_view digits(name + 1);
  std::size_t number = 0;
  auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec != std::errc() || end != digits.data() + digits.size()) return 0;
  return number;
}

Status BindOne(sqlite3_stmt* stmt, int index, const sql::Param& param) {
  int rc = SQLITE_OK;
  switch (param.type()) {
    case sql::Param::Type::kNull:
      rc = sqlite3_bind_null(stmt, index);
      break;
    case sql::Param::Type::kInt:
    case sql::Param::Type::kBool:
      rc = sqlite3_bind_int64(stmt, index, param.int_value());
      break;
    case sql::Param::Type::kDouble:
      rc = sqlite3_bind_double(stmt, index, param.double_value());
      break;
    case sql::Param::Type::kText:
      // STATIC: the statement is reset and its bindings cleared before the
      // parameter goes.
      rc = sqlite3_bind_text64(stmt, index, param.text().data(),
                               param.text().size(), SQLITE_STATIC, SQLITE_UTF8);
      break;
  }
  if (rc == SQLITE_OK) return Status::Ok();
  return Status::InvalidArgument("sqlite: cannot bind $" +
                                 std::to_string(index) + ": " +
                                 sqlite3_errstr(rc));
}

// Binds the statement's placeholders, each of which must be $N with N at
// most params.size() (CheckSqlStatement has matched them already).
Status Bind(sqlite3_stmt* stmt, const std::vector<sql::Param>& params) {
  const int count = sqlite3_bind_parameter_count(stmt);
  for (int i = 1; i <= count; ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    const std::size_t number = PlaceholderNumber(name);
    if (number == 0) {
      return Status::InvalidArgument(
          std::string("sql: expected $1, $2, ... placeholders, found ") +
          (name != nullptr ? name : "?"));
    }
    if (number > params.size()) {
      return Status::InvalidArgument(
          "sql: the statement uses $" + std::to_string(number) + " but " +
          std::to_string(params.size()) + " parameters were given");
    }
    if (Status status = BindOne(stmt, i, params[number - 1]); !status.ok()) {
      return status;
    }
  }
  return Status::Ok();
}

sql::Row::Value ColumnValue(sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_NULL:
      return std::nullopt;
    case SQLITE_INTEGER:
      return std::to_string(sqlite3_column_int64(stmt, column));
    case SQLITE_FLOAT: {
      char text[32];  // shortest text that reads back the same double
      auto [end, ec] = std::to_chars(text, text + sizeof(text),
                                     sqlite3_column_double(stmt, column));
      return std::string(text, end);
    }
    default: {  // TEXT, BLOB: the bytes as stored
      const void* bytes = sqlite3_column_blob(stmt, column);
      const int size = sqlite3_column_bytes(stmt, column);
      if (bytes == nullptr) return std::string();
      return std::string(static_cast<const char*>(bytes),
                         static_cast<std::size_t>(size));
    }
  }
}

// Resets `stmt` and drops its bindings when it goes out of scope, however
// the run ends.
class Rewind {
 public:
  explicit Rewind(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Rewind() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Rewind(const Rewind&) = delete;
  Rewind& operator=(const Rewind&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace

Status SqliteStatements::Run(const sql::Statement& statement,
                             sql::ResultSet& result, int* fatal_rc) {
  sqlite3_stmt* stmt = nullptr;
  if (Status status = Prepare(statement.sql, &stmt, fatal_rc); !status.ok()) {
    return status;
  }
  Rewind rewind(stmt);
  if (Status status = Bind(stmt, statement.params); !status.ok()) {
    return status;
  }
  sqlite3* db = conn_.handle();
  const int columns = sqlite3_column_count(stmt);
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(columns));
  for (int i = 0; i < columns; ++i) {
    const char* name = sqlite3_column_name(stmt, i);
    names.emplace_back(name != nullptr ? name : "");
  }
  const sqlite3_int64 changes_before = sqlite3_total_changes64(db);
  std::vector<std::vector<sql::Row::Value>> rows;
  std::size_t count = 0;
  std::size_t bytes = 0;
  std::string too_large;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!too_large.empty()) continue;  // run to the end, dropping rows
    if (++count > kMaxSqlResultRows) {
      too_large = std::to_string(kMaxSqlResultRows) + " rows";
    } else {
      std::vector<sql::Row::Value> row;
      row.reserve(static_cast<std::size_t>(columns));
      bytes += sizeof(row) + columns * sizeof(sql::Row::Value);
      for (int i = 0; i < columns; ++i) {
        row.push_back(ColumnValue(stmt, i));
        if (row.back()) bytes += row.back()->size();
      }
      if (bytes <= kMaxSqlResultBytes) {
        rows.push_back(std::move(row));
        continue;
      }
      too_large = std::to_string(kMaxSqlResultBytes) + " bytes of rows";
    }
    std::vector<std::vector<sql::Row::Value>>().swap(rows);
  }
  if (rc != SQLITE_DONE) return Failure(rc, fatal_rc);
  if (!too_large.empty()) {
    return Status::Internal(
        "sqlite: the query's result passed the limit of " + too_large +
        " (the rest was read and dropped; ask for fewer rows, with LIMIT)");
  }
  const std::int64_t affected =
      sqlite3_total_changes64(db) != changes_before ? sqlite3_changes64(db) : 0;
  result = sql::ResultSet(std::move(names), std::move(rows), affected);
  return Status::Ok();
}

Status SqliteStatements::Prepare(const std::string& sql, sqlite3_stmt** out,
                                 int* fatal_rc) {
  if (auto found = cache_.find(sql); found != cache_.end()) {
    *out = found->second.get();
    return Status::Ok();
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(conn_.handle(), sql.data(),
                              static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  Prepared prepared(stmt);
  if (rc != SQLITE_OK) return Failure(rc, fatal_rc);
  if (stmt == nullptr) {
    return Status::InvalidArgument("sql: expected a statement, got none");
  }
  // Whatever follows the first statement must be empty (or comments).
  const char* end = sql.data() + sql.size();
  sqlite3_stmt* next = nullptr;
  rc = sqlite3_prepare_v2(conn_.handle(), tail, static_cast<int>(end - tail),
                          &next, nullptr);
  Prepared second(next);
  if (rc != SQLITE_OK || next != nullptr) {
    return Status::InvalidArgument(
        "sql: expected one statement per query (Transaction() runs several)");
  }
  if (cache_.size() >= kMaxCached) cache_.clear();
  *out = stmt;
  cache_.emplace(sql, std::move(prepared));
  return Status::Ok();
}

Status SqliteStatements::Failure(int rc, int* fatal_rc) {
  conn_.set_error(rc);
  if (conn_.EndsTransaction(rc)) {
    *fatal_rc = rc;
    return SqliteTransactionFailure(rc, conn_.error());
  }
  return Status::InvalidArgument("sqlite: " + conn_.error() + " (code " +
                                 std::to_string(rc) + ")");
}

}  // namespace twelve::backing
