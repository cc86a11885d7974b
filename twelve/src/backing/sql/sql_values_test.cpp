#include "twelve/backing/sql_values.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace twelve::sql {
namespace {

ResultSet OneRow(std::vector<std::string> columns,
                 std::vector<Row::Value> values) {
  std::vector<std::vector<Row::Value>> rows;
  rows.push_back(std::move(values));
  return ResultSet(std::move(columns), std::move(rows), 0);
}

TEST(SqlRow, ReadsEachTypeFromText) {
  ResultSet set = OneRow({"i", "d", "t", "n", "b"},
                         {"-42", "2.5", "hello", std::nullopt, "t"});
  const Row& row = set[0];
  EXPECT_EQ(row.Int(0), -42);
  EXPECT_EQ(row.Double(1), 2.5);
  EXPECT_EQ(row.Text(2), "hello");
  EXPECT_TRUE(row.IsNull(3));
  EXPECT_FALSE(row.IsNull(2));
  EXPECT_EQ(row.Bool(4), true);
  EXPECT_EQ(row.Double(0), -42.0);  // an integer reads as a double
  EXPECT_EQ(row.Text(0), "-42");    // anything reads as text
}

TEST(SqlRow, MismatchIsNulloptNotAGuess) {
  ResultSet set = OneRow({"a", "b", "c"}, {"abc", "1.5", std::nullopt});
  const Row& row = set[0];
  EXPECT_EQ(row.Int(0), std::nullopt);
  EXPECT_EQ(row.Int(1), std::nullopt);
  EXPECT_EQ(row.Int(2), std::nullopt);
  EXPECT_EQ(row.Bool(0), std::nullopt);
  EXPECT_EQ(row.Text(2), std::nullopt);
  EXPECT_EQ(row.Int(9), std::nullopt);  // no such column
  EXPECT_TRUE(row.IsNull(9));
}

TEST(SqlRow, IntegersAtTheEdges) {
  ResultSet set =
      OneRow({"max", "over"}, {"9223372036854775807", "9223372036854775808"});
  EXPECT_EQ(set[0].Int(0), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(set[0].Int(1), std::nullopt);
}

TEST(SqlRow, PostgresSpecialFloats) {
  ResultSet set = OneRow({"a", "b", "c"}, {"Infinity", "-Infinity", "NaN"});
  EXPECT_EQ(set[0].Double(0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(set[0].Double(1), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*set[0].Double(2)));
}

TEST(SqlRow, BooleansOfBothEngines) {
  ResultSet set = OneRow({"a", "b", "c", "d"}, {"f", "0", "1", "true"});
  EXPECT_EQ(set[0].Bool(0), false);
  EXPECT_EQ(set[0].Bool(1), false);
  EXPECT_EQ(set[0].Bool(2), true);
  EXPECT_EQ(set[0].Bool(3), true);
}

TEST(SqlRow, ByName) {
  ResultSet set = OneRow({"id", "text"}, {"7", "note"});
  EXPECT_EQ(set.columns(), (std::vector<std::string>{"id", "text"}));
  EXPECT_EQ(set[0].Column("text"), 1u);
  EXPECT_EQ(set[0].Int("id"), 7);
  EXPECT_EQ(set[0].Text("text"), "note");
  EXPECT_EQ(set[0].Int("missing"), std::nullopt);
  EXPECT_TRUE(set[0].IsNull("missing"));
}

TEST(SqlRow, RowsOutliveTheirResultSet) {
  std::vector<Row> kept;
  {
    ResultSet set = OneRow({"id"}, {"1"});
    kept = set.rows();
  }
  EXPECT_EQ(kept[0].Int("id"), 1);
}

TEST(SqlParam, TypesFromCppValues) {
  EXPECT_EQ(Param(nullptr).type(), Param::Type::kNull);
  EXPECT_EQ(Param(7).type(), Param::Type::kInt);
  EXPECT_EQ(Param(std::int64_t{-7}).int_value(), -7);
  EXPECT_EQ(Param(7u).type(), Param::Type::kInt);
  EXPECT_EQ(Param(2.5).type(), Param::Type::kDouble);
  EXPECT_EQ(Param("x").type(), Param::Type::kText);
  EXPECT_EQ(Param(std::string("x")).text(), "x");
  EXPECT_EQ(Param(std::string_view("y")).text(), "y");
  EXPECT_EQ(Param(true).type(), Param::Type::kBool);
  EXPECT_EQ(Param(true).int_value(), 1);
}

TEST(SqlResultSet, DefaultIsEmpty) {
  ResultSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(set.columns().empty());
  EXPECT_EQ(set.affected(), 0);
}

}  // namespace
}  // namespace twelve::sql
