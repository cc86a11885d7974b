// sql::Client on a real PostgreSQL server prepares each statement once per
// connection: what the session's pg_prepared_statements shows after the
// calls (the same session: one loop, one connection).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backing/postgres/postgres_statement_cache.hpp"
#include "backing/postgres/postgres_store_test_fixture.hpp"

namespace twelve::backing {
namespace {

// The session's statements prepared as `sql`: name, parameter types and
// how many times each ran.
constexpr const char* kPreparedAs =
    "SELECT name, parameter_types::text, generic_plans + custom_plans "
    "FROM pg_prepared_statements WHERE statement = $1 ORDER BY name";

class PostgresPreparedTest : public test::PostgresStoreTest {
 protected:
  void SetUp() override {
    test::PostgresStoreTest::SetUp();
    OpenReady(Url());
  }

  Result<sql::ResultSet> Run(std::string sql,
                             std::vector<sql::Param> params = {}) {
    sql::Client* client = client_.get();
    return Await<Result<sql::ResultSet>>(
        0, [=](auto done) { client->Query(sql, params, std::move(done)); });
  }
  // "name types runs" for each statement prepared as `sql`.
  std::vector<std::string> PreparedAs(const std::string& sql) {
    Result<sql::ResultSet> rows = Run(kPreparedAs, {sql});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> lines;
    if (!rows.ok()) return lines;
    for (const sql::Row& row : *rows) {
      lines.push_back(std::string(row.Text(0).value_or("?")) + " " +
                      std::string(row.Text(1).value_or("?")) + " " +
                      std::string(row.Text(2).value_or("?")));
    }
    return lines;
  }
};

TEST_F(PostgresPreparedTest, SecondRunUsesTheStatementPreparedByTheFirst) {
  ASSERT_TRUE(Add("prepared", 1).ok());
  ASSERT_TRUE(Add("prepared", 1).ok());
  std::vector<std::string> prepared = PreparedAs(test::kUpsert);
  ASSERT_EQ(prepared.size(), 1u);
  EXPECT_TRUE(prepared[0].starts_with("twelve_")) << prepared[0];
  EXPECT_TRUE(prepared[0].ends_with(" {text,bigint} 2")) << prepared[0];
}

TEST_F(PostgresPreparedTest, OtherParameterTypesArePreparedApart) {
  const std::string sql = "SELECT $1::text AS v";
  Result<sql::ResultSet> as_int = Run(sql, {std::int64_t{7}});
  ASSERT_TRUE(as_int.ok()) << as_int.status().ToString();
  EXPECT_EQ((*as_int)[0].Text(0), "7");
  Result<sql::ResultSet> as_text = Run(sql, {std::string("seven")});
  ASSERT_TRUE(as_text.ok()) << as_text.status().ToString();
  EXPECT_EQ((*as_text)[0].Text(0), "seven");
  std::vector<std::string> prepared = PreparedAs(sql);
  ASSERT_EQ(prepared.size(), 2u);
  EXPECT_TRUE(prepared[0].ends_with(" {bigint} 1")) << prepared[0];
  EXPECT_TRUE(prepared[1].ends_with(" {text} 1")) << prepared[1];
}

TEST_F(PostgresPreparedTest, SchemaChangeFailsOneCallThenPreparesAgain) {
  ASSERT_EQ(
      server_->Exec(test::kDatabase,
                    "DROP TABLE IF EXISTS shapes; CREATE TABLE shapes (a int); "
                    "INSERT INTO shapes VALUES (1)"),
      "");
  const std::string select = "SELECT * FROM shapes";
  ASSERT_TRUE(Run(select).ok());
  std::vector<std::string> before = PreparedAs(select);
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(server_->Exec(test::kDatabase,
                          "ALTER TABLE shapes ADD COLUMN b int DEFAULT 2"),
            "");
  Result<sql::ResultSet> changed = Run(select);
  EXPECT_EQ(changed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(changed.status().message().find("0A000"), std::string::npos)
      << changed.status().message();
  Result<sql::ResultSet> again = Run(select);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->columns().size(), 2u);
  EXPECT_EQ((*again)[0].Int(1), 2);
  std::vector<std::string> after = PreparedAs(select);
  ASSERT_EQ(after.size(), 1u);  // the old one closed
  EXPECT_NE(after[0].substr(0, after[0].find(' ')),
            before[0].substr(0, before[0].find(' ')));
  EXPECT_TRUE(after[0].ends_with(" 1")) << after[0];
}

TEST_F(PostgresPreparedTest, ReconnectedSessionPreparesAgain) {
  ASSERT_TRUE(Add("reconnect", 1).ok());
  Result<sql::ResultSet> pid = Run("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  std::string old_pid(*(*pid)[0].Text(0));
  ASSERT_EQ(server_->QueryValue(test::kDatabase,
                                "SELECT pg_terminate_backend(" + old_pid + ")"),
            "t");
  // The first calls may meet the lost session; the reconnected one answers.
  ASSERT_TRUE(test::WaitFor([&] { return Add("reconnect", 1).ok(); }));
  Result<sql::ResultSet> new_pid = Run("SELECT pg_backend_pid()");
  ASSERT_TRUE(new_pid.ok()) << new_pid.status().ToString();
  EXPECT_NE(*(*new_pid)[0].Text(0), old_pid);
  std::vector<std::string> prepared = PreparedAs(test::kUpsert);
  ASSERT_EQ(prepared.size(), 1u);
  EXPECT_TRUE(prepared[0].ends_with(" 1")) << prepared[0];
}

TEST_F(PostgresPreparedTest, PastTheBoundStatementsRunUnnamed) {
  for (std::size_t i = 0; i <= PostgresStatementCache::kMaxStatements; ++i) {
    Result<sql::ResultSet> rows = Run("SELECT " + std::to_string(i));
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    ASSERT_EQ((*rows)[0].Int(0), static_cast<std::int64_t>(i));
  }
  Result<sql::ResultSet> count =
      Run("SELECT count(*) FROM pg_prepared_statements");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ((*count)[0].Int(0),
            static_cast<std::int64_t>(PostgresStatementCache::kMaxStatements));
}

}  // namespace
}  // namespace twelve::backing
