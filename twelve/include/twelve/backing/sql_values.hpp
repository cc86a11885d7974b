#pragma once
// The values sql::Client sends and receives: a query's parameters (Param),
// a statement with its parameters (Statement), and what a statement answers
// (ResultSet: its column names, rows and the count of rows it changed).
//
// Columns are read by index or by name, each as the type the caller
// expects: Int, Double, Text, Bool. A read returns nullopt when the value is
// NULL, the column does not exist, or its value is not of that type (Int of
// "abc", of 1.5); IsNull tells NULL apart. No read throws: a mismatch
// between the SQL and the code that reads it is reported where it is found,
// as a value, never as an exception on an I/O thread.
//
// Both engines answer in text, read the same way: PostgreSQL's text format
// (booleans "t"/"f", floats round-trip exact) and SQLite's values (INTEGER
// and REAL formatted exact; a boolean is stored as 0 or 1).

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace twelve::sql {

// One parameter, $1, $2, ...: NULL, an integer, a double, text or a bool.
// Built implicitly: {std::int64_t{7}, "text", nullptr, 2.5, true}.
class Param {
 public:
  enum class Type { kNull, kInt, kDouble, kText, kBool };

  Param(std::nullptr_t) {}  // NOLINT: implicit by design, like the others
  // Any integer that fits in int64 (no unsigned 64-bit: it may not).
  template <std::integral T>
  requires(!std::same_as<T, bool> &&
           (std::is_signed_v<T> || sizeof(T) < sizeof(std::int64_t)))
      Param(T value)  // NOLINT
      : type_(Type::kInt), int_(value) {}
  Param(bool value) : type_(Type::kBool), int_(value ? 1 : 0) {}  // NOLINT
  Param(double value) : type_(Type::kDouble), double_(value) {}   // NOLINT
  Param(std::string value)                                        // NOLINT
      : type_(Type::kText), text_(std::move(value)) {}
  Param(std::string_view value) : Param(std::string(value)) {}  // NOLINT
  Param(const char* value) : Param(std::string(value)) {}       // NOLINT

  Type type() const { return type_; }
  std::int64_t int_value() const { return int_; }  // kInt; kBool as 0 or 1
  double double_value() const { return double_; }
  const std::string& text() const { return text_; }

 private:
  Type type_ = Type::kNull;
  std::int64_t int_ = 0;
  double double_ = 0;
  std::string text_;
};

// A statement of a transaction: SQL with $1, $2, ... placeholders and the
// values that fill them.
struct Statement {
  std::string sql;
  std::vector<Param> params;
};

// One row of a result. Cheap to move; copies share the column names.
class Row {
 public:
  using Value = std::optional<std::string>;  // nullopt: NULL

  Row(std::shared_ptr<const std::vector<std::string>> columns,
      std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  std::size_t size() const { return values_.size(); }
  // True when the value is NULL (or the column does not exist).
  bool IsNull(std::size_t column) const;
  std::optional<std::int64_t> Int(std::size_t column) const;
  std::optional<double> Double(std::size_t column) const;
  // Any non-NULL value as text (an integer as its digits). Valid while the
  // row lives.
  std::optional<std::string_view> Text(std::size_t column) const;
  // "t", "true", "1" and "f", "false", "0" (PostgreSQL, SQLite).
  std::optional<bool> Bool(std::size_t column) const;

  // The same by column name (the first column of that name).
  std::optional<std::size_t> Column(std::string_view name) const;
  bool IsNull(std::string_view column) const;
  std::optional<std::int64_t> Int(std::string_view column) const;
  std::optional<double> Double(std::string_view column) const;
  std::optional<std::string_view> Text(std::string_view column) const;
  std::optional<bool> Bool(std::string_view column) const;

 private:
  const Value* At(std::size_t column) const;

  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

// What one statement answered.
class ResultSet {
 public:
  ResultSet() = default;
  ResultSet(std::vector<std::string> columns,
            std::vector<std::vector<Row::Value>> rows, std::int64_t affected);

  // The result's column names, in order (empty for a statement that
  // returns no rows, such as an INSERT without RETURNING).
  const std::vector<std::string>& columns() const;
  const std::vector<Row>& rows() const { return rows_; }
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  const Row& operator[](std::size_t i) const { return rows_[i]; }
  std::vector<Row>::const_iterator begin() const { return rows_.begin(); }
  std::vector<Row>::const_iterator end() const { return rows_.end(); }
  // The rows an INSERT, UPDATE or DELETE changed (with or without
  // RETURNING); 0 for any other statement.
  std::int64_t affected() const { return affected_; }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Row> rows_;
  std::int64_t affected_ = 0;
};

}  // namespace twelve::sql
