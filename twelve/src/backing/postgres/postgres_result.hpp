#pragma once
// PostgresResult: what the server answered to one query, as values: the
// rows of its last statement (or of each one), in text, or the error that
// ended it.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "backing/postgres/postgres_protocol.hpp"

namespace twelve::backing {

struct PostgresResult {
  using Row = std::vector<std::optional<std::string>>;  // null: nullopt

  // The rows of the last statement (a script's earlier statements are run,
  // and their rows dropped, as libpq's PQexec does).
  std::vector<Row> rows;
  // The last statement's command tag, such as "INSERT 0 1".
  std::string command;
  // One statement's answer, kept for each statement of a query that asked
  // (PostgresQuery::describe) instead of `rows` and `command`.
  struct Statement {
    std::vector<std::string> columns;  // names, from RowDescription
    std::vector<Row> rows;
    std::string command;
  };
  std::vector<Statement> statements;
  // The first error; the query's other statements did not run.
  std::optional<pg::ServerError> error;

  bool ok() const { return !error.has_value(); }
  // Row `row`, column `column`; nullopt when null or absent.
  const std::optional<std::string>& Value(std::size_t row,
                                          std::size_t column) const {
    static const std::optional<std::string> kAbsent;
    if (row >= rows.size() || column >= rows[row].size()) return kAbsent;
    return rows[row][column];
  }
};

}  // namespace twelve::backing
