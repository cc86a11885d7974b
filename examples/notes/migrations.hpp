#pragma once
// The schema migrations in examples/notes/migrations/, compiled into the
// binary so that the artifact carries its schema (factor V). The DDL differs
// between the engines (identity columns, default timestamps), so each
// migration has a file per engine: NNNN_what.postgres.sql and
// NNNN_what.sqlite.sql; the queries do not.

#include <string_view>
#include <twelve/backing/migration.hpp>
#include <vector>

namespace notes {

// In version order, for `kind`: "postgres" or "sqlite".
std::vector<twelve::Migration> Migrations(std::string_view kind);

}  // namespace notes
