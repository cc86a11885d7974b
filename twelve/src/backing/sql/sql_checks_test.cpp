#include "backing/sql/sql_checks.hpp"

#include <gtest/gtest.h>

#include <string>

namespace twelve::backing {
namespace {

TEST(SqlPlaceholders, FindsTheHighest) {
  EXPECT_EQ(HighestPlaceholder("SELECT 1"), 0u);
  EXPECT_EQ(HighestPlaceholder("SELECT $1, $2"), 2u);
  EXPECT_EQ(HighestPlaceholder("SELECT $2 + $10 - $1"), 10u);
  EXPECT_EQ(HighestPlaceholder("SELECT $1::int"), 1u);
}

TEST(SqlPlaceholders, SkipsLiteralsIdentifiersAndComments) {
  EXPECT_EQ(HighestPlaceholder("SELECT '$5', $1"), 1u);
  EXPECT_EQ(HighestPlaceholder("SELECT 'it''s $5', $1"), 1u);
  EXPECT_EQ(HighestPlaceholder("SELECT E'\\' $5', $1"), 1u);
  EXPECT_EQ(HighestPlaceholder("SELECT \"a$5\", $1"), 1u);
  EXPECT_EQ(HighestPlaceholder("SELECT $$ $5 $$, $1"), 1u);
  EXPECT_EQ(HighestPlaceholder("SELECT $q$ $5 $q$, $1"), 1u);
  EXPECT_EQ(HighestPlaceholder("SELECT 1 -- $5\n, $1"), 1u);
  EXPECT_EQ(HighestPlaceholder("SELECT /* /* $5 */ $6 */ $1"), 1u);
  EXPECT_EQ(HighestPlaceholder("SELECT a$5 FROM t WHERE x = $1"), 1u);
}

TEST(SqlPlaceholders, UnclosedLiteralHidesTheRest) {
  EXPECT_EQ(HighestPlaceholder("SELECT $1, 'open $9"), 1u);
}

TEST(SqlStatementCheck, AcceptsMatchingParameters) {
  EXPECT_TRUE(CheckSqlStatement("SELECT $1, $2", 2).ok());
  EXPECT_TRUE(CheckSqlStatement("  -- note\n select 1", 0).ok());
}

void ExpectRefused(std::string_view sql, std::size_t params,
                   std::string_view words) {
  Status status = CheckSqlStatement(sql, params);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << sql;
  EXPECT_NE(status.message().find(words), std::string::npos)
      << status.message();
}

TEST(SqlStatementCheck, RefusesMismatchedParameters) {
  ExpectRefused("SELECT $1, $3", 2, "uses $3 but 2 parameters were given");
  ExpectRefused("SELECT $1", 2,
                "2 parameters were given but the statement "
                "uses $1 to $1");
  ExpectRefused("SELECT 1", 1, "uses none");
}

TEST(SqlStatementCheck, RefusesEmptySqlAndNul) {
  ExpectRefused("", 0, "expected a statement");
  ExpectRefused("  /* only */ ", 0, "expected a statement");
  ExpectRefused(std::string("SELECT 1\0; DROP", 15), 0, "NUL byte");
}

TEST(SqlStatementCheck, RefusesTransactionControl) {
  for (const char* sql :
       {"BEGIN", "begin transaction", " COMMIT", "END", "rollback",
        "SAVEPOINT a", "release a", "START TRANSACTION", "/* x */ abort"}) {
    ExpectRefused(sql, 0, "expected Transaction()");
  }
}

TEST(SqlStatementCheck, RefusesTooManyParameters) {
  ExpectRefused("SELECT 1", kMaxSqlParams + 1, "expected at most 65535");
}

}  // namespace
}  // namespace twelve::backing
