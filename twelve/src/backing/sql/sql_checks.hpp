#pragma once
// What sql::Client refuses before a statement reaches either engine, so that
// both refuse the same calls with the same words: empty SQL, a NUL byte
// (PostgreSQL's protocol would cut the SQL there), more parameters than the
// protocol can number, and transaction control (BEGIN on a shared,
// pipelined connection would pull other callers' queries into it), and
// placeholders that do not match the parameters.

#include <cstddef>
#include <string_view>

#include "twelve/status.hpp"

namespace twelve::backing {

// The most parameters one statement may have (PostgreSQL counts them in 16
// bits).
inline constexpr std::size_t kMaxSqlParams = 65'535;

// OK, or kInvalidArgument saying what was expected: also when the
// statement's placeholders are not $1 to $<params> (PostgreSQL would answer
// a protocol violation, which ends the shared connection).
Status CheckSqlStatement(std::string_view sql, std::size_t params);

// The highest N of the $N placeholders in `sql`, outside string literals
// ('...', E'...', $tag$...$tag$), quoted identifiers and comments; 0 when
// there is none.
std::size_t HighestPlaceholder(std::string_view sql);

}  // namespace twelve::backing
