#include "backing/sql/sql_checks.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace twelve::backing {
namespace {

// The statement's first word, upper-cased, past spaces and comments.
std::string FirstWord(std::string_view sql) {
  for (;;) {
    while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql[0]))) {
      sql.remove_prefix(1);
    }
    if (sql.starts_with("--")) {
      std::size_t end = sql.find('\n');
      sql.remove_prefix(end == std::string_view::npos ? sql.size() : end);
    } else if (sql.starts_with("/*")) {
      std::size_t end = sql.find("*/");
      sql.remove_prefix(end == std::string_view::npos ? sql.size() : end + 2);
    } else {
      break;
    }
  }
  std::string word;
  for (char c : sql) {
    if (!std::isalpha(static_cast<unsigned char>(c))) break;
    word.push_back(
        static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return word;
}

bool IsIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// The length of the quoted text starting at sql[0] (a ' or "), through its
// closing quote (doubled quotes are part of it; with backslashes, as in
// E'...', a backslash escapes the next character); the rest when unclosed.
std::size_t QuotedLength(std::string_view sql, bool backslashes) {
  const char quote = sql[0];
  for (std::size_t i = 1; i < sql.size(); ++i) {
    if (backslashes && sql[i] == '\\') {
      ++i;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return sql.size();
}

// At a '$': the length of a dollar-quoted string ($$...$$, $tag$...$tag$)
// starting there, or 0 when it is not one.
std::size_t DollarQuotedLength(std::string_view sql) {
  std::size_t end = 1;
  while (end < sql.size() && sql[end] != '$') {
    if (!IsIdentifierChar(sql[end]) ||
        std::isdigit(static_cast<unsigned char>(sql[1]))) {
      return 0;
    }
    ++end;
  }
  if (end == sql.size()) return 0;
  std::string_view tag = sql.substr(0, end + 1);
  std::size_t close = sql.find(tag, tag.size());
  return close == std::string_view::npos ? sql.size() : close + tag.size();
}

// The length of a comment starting at sql[0], or 0. Block comments nest.
std::size_t CommentLength(std::string_view sql) {
  if (sql.starts_with("--")) {
    std::size_t end = sql.find('\n');
    return end == std::string_view::npos ? sql.size() : end + 1;
  }
  if (!sql.starts_with("/*")) return 0;
  int depth = 0;
  for (std::size_t i = 0; i + 1 < sql.size(); ++i) {
    if (sql[i] == '/' && sql[i + 1] == '*') {
      ++depth;
      ++i;
    } else if (sql[i] == '*' && sql[i + 1] == '/') {
      ++i;
      if (--depth == 0) return i + 1;
    }
  }
  return sql.size();
}

}  // namespace

std::size_t HighestPlaceholder(std::string_view sql) {
  std::size_t highest = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    std::string_view rest = sql.substr(i);
    const bool after_identifier = i > 0 && IsIdentifierChar(sql[i - 1]);
    if (std::size_t comment = CommentLength(rest); comment > 0) {
      i += comment;
    } else if (c == '\'' || c == '"') {
      const bool escapes = c == '\'' && i > 0 &&
                           (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                           (i < 2 || !IsIdentifierChar(sql[i - 2]));
      i += QuotedLength(rest, escapes);
    } else if (c == '$' && !after_identifier && rest.size() > 1 &&
               std::isdigit(static_cast<unsigned char>(rest[1]))) {
      std::size_t number = 0;
      std::size_t end = 1;
      while (end < rest.size() &&
             std::isdigit(static_cast<unsigned char>(rest[end]))) {
        number =
            std::min<std::size_t>(number * 10 + (rest[end] - '0'), 1'000'000);
        ++end;
      }
      highest = std::max(highest, number);
      i += end;
    } else if (std::size_t quoted =
                   c == '$' && !after_identifier ? DollarQuotedLength(rest) : 0;
               quoted > 0) {
      i += quoted;
    } else {
      ++i;
    }
  }
  return highest;
}

Status CheckSqlStatement(std::string_view sql, std::size_t params) {
  if (sql.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(
        "sql: the SQL holds a NUL byte (expected text; pass values as "
        "parameters)");
  }
  const std::string word = FirstWord(sql);
  if (word.empty()) {
    return Status::InvalidArgument("sql: expected a statement, got no SQL");
  }
  static constexpr std::array<std::string_view, 8> kTransactionControl = {
      "BEGIN",    "START", "COMMIT",    "END",
      "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"};
  for (std::string_view control : kTransactionControl) {
    if (word == control) {
      return Status::InvalidArgument(
          "sql: " + word +
          " is not allowed in a query (expected Transaction() for "
          "statements that apply together)");
    }
  }
  if (params > kMaxSqlParams) {
    return Status::InvalidArgument("sql: " + std::to_string(params) +
                                   " parameters (expected at most " +
                                   std::to_string(kMaxSqlParams) + ")");
  }
  const std::size_t highest = HighestPlaceholder(sql);
  if (highest > params) {
    return Status::InvalidArgument(
        "sql: the statement uses $" + std::to_string(highest) + " but " +
        std::to_string(params) + " parameters were given");
  }
  if (highest < params) {
    return Status::InvalidArgument(
        "sql: " + std::to_string(params) +
        " parameters were given but the statement uses " +
        (highest == 0 ? std::string("none")
                      : "$1 to $" + std::to_string(highest)));
  }
  return Status::Ok();
}

}  // namespace twelve::backing
