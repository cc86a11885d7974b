#include "backing/postgres/postgres_statement_cache.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace twelve::backing {
namespace {

constexpr const char* kSql = "SELECT $1";
const std::vector<std::int32_t> kInt8 = {20};
const std::vector<std::int32_t> kText = {0};

TEST(PostgresStatementCache, FirstUsePreparesUnderANewName) {
  PostgresStatementCache cache;
  PostgresStatementCache::Use use = cache.Prepare(kSql, kInt8);
  EXPECT_EQ(use.name, "twelve_1");
  EXPECT_TRUE(use.parse);
  EXPECT_NE(use.id, 0u);
}

TEST(PostgresStatementCache, PreparedStatementRunsByNameWithoutParse) {
  PostgresStatementCache cache;
  PostgresStatementCache::Use first = cache.Prepare(kSql, kInt8);
  cache.Parsed(kSql, kInt8, first.id);
  PostgresStatementCache::Use second = cache.Prepare(kSql, kInt8);
  EXPECT_EQ(second.name, "twelve_1");
  EXPECT_FALSE(second.parse);
  EXPECT_EQ(second.id, first.id);
}

TEST(PostgresStatementCache, RunsUnnamedWhileTheFirstParseIsUnanswered) {
  PostgresStatementCache cache;
  cache.Prepare(kSql, kInt8);
  PostgresStatementCache::Use second = cache.Prepare(kSql, kInt8);
  EXPECT_EQ(second.name, "");
  EXPECT_TRUE(second.parse);
  EXPECT_EQ(second.id, 0u);
}

TEST(PostgresStatementCache, FailedParseIsRetriedAtTheNextUse) {
  PostgresStatementCache cache;
  PostgresStatementCache::Use first = cache.Prepare(kSql, kInt8);
  cache.ParseFailed(kSql, kInt8, first.id);
  PostgresStatementCache::Use again = cache.Prepare(kSql, kInt8);
  EXPECT_EQ(again.name, "twelve_1");  // never allocated by the server
  EXPECT_TRUE(again.parse);
}

TEST(PostgresStatementCache, OtherParameterTypesAreAnotherStatement) {
  PostgresStatementCache cache;
  PostgresStatementCache::Use as_int = cache.Prepare(kSql, kInt8);
  cache.Parsed(kSql, kInt8, as_int.id);
  PostgresStatementCache::Use as_text = cache.Prepare(kSql, kText);
  EXPECT_EQ(as_text.name, "twelve_2");
  EXPECT_TRUE(as_text.parse);
  PostgresStatementCache::Use untyped = cache.Prepare(kSql, {});
  EXPECT_EQ(untyped.name, "twelve_3");
  EXPECT_EQ(cache.size(), 3u);
}

TEST(PostgresStatementCache, ForgottenStatementIsPreparedUnderANewName) {
  PostgresStatementCache cache;
  PostgresStatementCache::Use first = cache.Prepare(kSql, kInt8);
  cache.Parsed(kSql, kInt8, first.id);
  EXPECT_EQ(cache.Forget(kSql, kInt8, first.id), "twelve_1");
  EXPECT_EQ(cache.Forget(kSql, kInt8, first.id), "");  // once
  PostgresStatementCache::Use again = cache.Prepare(kSql, kInt8);
  EXPECT_EQ(again.name, "twelve_2");
  EXPECT_TRUE(again.parse);
}

TEST(PostgresStatementCache, LateAnswersAboutAForgottenIdChangeNothing) {
  PostgresStatementCache cache;
  PostgresStatementCache::Use first = cache.Prepare(kSql, kInt8);
  cache.Forget(kSql, kInt8, first.id);
  PostgresStatementCache::Use second = cache.Prepare(kSql, kInt8);
  cache.Parsed(kSql, kInt8, first.id);
  EXPECT_EQ(cache.Forget(kSql, kInt8, first.id), "");
  // The successor is still being prepared: other uses run unnamed.
  EXPECT_EQ(cache.Prepare(kSql, kInt8).name, "");
  cache.Parsed(kSql, kInt8, second.id);
  EXPECT_EQ(cache.Prepare(kSql, kInt8).name, "twelve_2");
}

TEST(PostgresStatementCache, PastTheBoundStatementsRunUnnamed) {
  PostgresStatementCache cache;
  for (std::size_t i = 0; i < PostgresStatementCache::kMaxStatements; ++i) {
    std::string sql = "SELECT " + std::to_string(i);
    PostgresStatementCache::Use use = cache.Prepare(sql, {});
    ASSERT_NE(use.name, "") << i;
    cache.Parsed(sql, {}, use.id);
  }
  PostgresStatementCache::Use past = cache.Prepare("SELECT 'past'", {});
  EXPECT_EQ(past.name, "");
  EXPECT_TRUE(past.parse);
  EXPECT_EQ(past.id, 0u);
  EXPECT_EQ(cache.size(), PostgresStatementCache::kMaxStatements);
  // The ones it holds still run by name.
  EXPECT_EQ(cache.Prepare("SELECT 0", {}).name, "twelve_1");
}

TEST(PostgresStatementCache, ClearForgetsEveryStatementAndKeepsNamesUnique) {
  PostgresStatementCache cache;
  PostgresStatementCache::Use first = cache.Prepare(kSql, kInt8);
  cache.Parsed(kSql, kInt8, first.id);
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  PostgresStatementCache::Use again = cache.Prepare(kSql, kInt8);
  EXPECT_TRUE(again.parse);
  EXPECT_EQ(again.name, "twelve_2");
}

}  // namespace
}  // namespace twelve::backing
