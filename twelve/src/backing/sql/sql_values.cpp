#include "twelve/backing/sql_values.hpp"

#include <charconv>
#include <limits>
#include <system_error>

namespace twelve::sql {
namespace {

template <typename T>
std::optional<T> Parse(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || at != end || text.empty()) return std::nullopt;
  return value;
}

const std::vector<std::string>& NoColumns() {
  static const std::vector<std::string> kNone;
  return kNone;
}

}  // namespace

const Row::Value* Row::At(std::size_t column) const {
  if (column >= values_.size() || !values_[column]) return nullptr;
  return &values_[column];
}

bool Row::IsNull(std::size_t column) const { return At(column) == nullptr; }

std::optional<std::int64_t> Row::Int(std::size_t column) const {
  const Value* value = At(column);
  if (value == nullptr) return std::nullopt;
  return Parse<std::int64_t>(**value);
}

std::optional<double> Row::Double(std::size_t column) const {
  const Value* value = At(column);
  if (value == nullptr) return std::nullopt;
  std::string_view text = **value;
  // from_chars reads "inf" and "nan"; PostgreSQL writes these.
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  return Parse<double>(text);
}

std::optional<std::string_view> Row::Text(std::size_t column) const {
  const Value* value = At(column);
  if (value == nullptr) return std::nullopt;
  return std::string_view(**value);
}

std::optional<bool> Row::Bool(std::size_t column) const {
  const Value* value = At(column);
  if (value == nullptr) return std::nullopt;
  const std::string& text = **value;
  if (text == "t" || text == "true" || text == "1") return true;
  if (text == "f" || text == "false" || text == "0") return false;
  return std::nullopt;
}

std::optional<std::size_t> Row::Column(std::string_view name) const {
  if (columns_ == nullptr) return std::nullopt;
  for (std::size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] == name) return i;
  }
  return std::nullopt;
}

bool Row::IsNull(std::string_view column) const {
  std::optional<std::size_t> i = Column(column);
  return !i || IsNull(*i);
}
std::optional<std::int64_t> Row::Int(std::string_view column) const {
  std::optional<std::size_t> i = Column(column);
  return i ? Int(*i) : std::nullopt;
}
std::optional<double> Row::Double(std::string_view column) const {
  std::optional<std::size_t> i = Column(column);
  return i ? Double(*i) : std::nullopt;
}
std::optional<std::string_view> Row::Text(std::string_view column) const {
  std::optional<std::size_t> i = Column(column);
  return i ? Text(*i) : std::nullopt;
}
std::optional<bool> Row::Bool(std::string_view column) const {
  std::optional<std::size_t> i = Column(column);
  return i ? Bool(*i) : std::nullopt;
}

ResultSet::ResultSet(std::vector<std::string> columns,
                     std::vector<std::vector<Row::Value>> rows,
                     std::int64_t affected)
    : columns_(
          std::make_shared<const std::vector<std::string>>(std::move(columns))),
      affected_(affected) {
  rows_.reserve(rows.size());
  for (std::vector<Row::Value>& values : rows) {
    rows_.emplace_back(columns_, std::move(values));
  }
}

const std::vector<std::string>& ResultSet::columns() const {
  return columns_ != nullptr ? *columns_ : NoColumns();
}

}  // namespace twelve::sql
