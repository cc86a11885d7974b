#pragma once
// The bounds on one SQL query's result, the same for every SQL driver
// (PostgreSQL's pipeline, the SQLite client): an answer to a web request
// needs a page of rows, not a table (LIMIT, or a cursor, for more). Past
// either bound the caller gets kInternal naming it, never a partial result.

#include <cstddef>

namespace twelve::backing {

// A row costs at least 64 bytes (its vector and one value), so 65,536 rows
// stay within half of kMaxSqlResultBytes.
inline constexpr std::size_t kMaxSqlResultRows = 65'536;
// The memory one query's rows take, counted as each row's bytes plus the
// row's and each value's bookkeeping.
inline constexpr std::size_t kMaxSqlResultBytes = 8 * 1024 * 1024;

}  // namespace twelve::backing
