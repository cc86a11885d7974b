#pragma once
// PostgresPipeline: the queries of one PostgreSQL connection, from submitted
// to answered, and which message belongs to which query. It writes each
// query's messages into the connection's output and reads the messages the
// server sends back; it never waits, owns no socket and no timer, and does
// not decide what a failure costs: PostgresConnection does all that.
//
// Every query is sent as soon as it is submitted, followed by its own sync
// point, so the answers of many queries share round trips while an error in
// one aborts no other; each query is its own implicit transaction unless it
// says BEGIN. A query is answered in full when its ReadyForQuery arrives.
// A single statement (not a script, nothing in `then`) is prepared by name
// on first use and run by that name afterwards (PostgresStatementCache);
// while that first Parse is unanswered (it may fail), later calls run
// unnamed. A call that finds its prepared statement invalidated (a schema
// change altered its result type: SQLSTATE 0A000) fails as the server
// says, and the statement is closed and prepared again at its next use.
//
// A result is bounded (kMaxResultRows, kMaxResultBytes): past a bound, the
// query's remaining rows are read and dropped as they arrive, and its
// caller gets kInternal saying which bound, once the server has finished
// the query. The connection stays in step, so the queries behind it are
// answered as usual; a server that never finishes meets the operation
// timeout.
//
// Threading: the connection's loop only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "backing/postgres/postgres_input_buffer.hpp"
#include "backing/postgres/postgres_protocol.hpp"
#include "backing/postgres/postgres_result.hpp"
#include "backing/postgres/postgres_statement_cache.hpp"
#include "backing/result_bounds.hpp"
#include "twelve/backing/store_callback.hpp"
#include "twelve/status.hpp"

namespace twelve::backing {

struct PostgresQuery {
  std::string sql;
  // Text parameters $1, $2, ...; nullopt is NULL.
  std::vector<std::optional<std::string>> params;
  // The type OIDs of the first parameters (0: the server infers it).
  std::vector<std::int32_t> param_types;
  // Several statements without parameters (the simple protocol): what the
  // migrate task sends.
  bool script = false;
  // Statements (unnamed, not scripts) sent after this one before the same
  // sync point: with it, one implicit transaction that the first error
  // rolls back whole.
  std::vector<PostgresQuery> then;
  // Each statement's columns (a Describe is sent for them), rows and tag
  // go to PostgresResult::statements (instead of the last one's rows and
  // tag only).
  bool describe = false;

  // Statements without parameters, sent by the simple protocol.
  static PostgresQuery Script(std::string sql) {
    PostgresQuery query;
    query.sql = std::move(sql);
    query.script = true;
    return query;
  }
};

class PostgresPipeline {
 public:
  // The rows of one query's result (result_bounds.hpp). A row costs at least 64
  // bytes (its vector and one value), so 65,536 rows stay within half of
  // kMaxResultBytes; an answer to a web request needs a page of rows, not
  // a table (LIMIT, or a cursor, for more).
  static constexpr std::size_t kMaxResultRows = kMaxSqlResultRows;
  // The memory one query's rows take, counted as each DataRow's bytes plus
  // the row's and each value's bookkeeping. With InputBuffer's message
  // limit (the same 8 MiB), a connection holds at most a few times this
  // while it reads a result, whatever the server sends.
  static constexpr std::size_t kMaxResultBytes = kMaxSqlResultBytes;

  using Clock = std::chrono::steady_clock;
  // The query's answer, or why there is none. A query the server answered
  // with an error yields a PostgresResult holding that error, unless the
  // error ends the session.
  // Inline room for the client's bookkeeping around a StoreCallback, so a
  // query allocates nothing here.
  using Callback = MoveOnlyFunction<void(Result<PostgresResult>),
                                    kStoreCallbackInlineBytes + 32>;

  // A query and whoever waits for its answer.
  struct Call {
    PostgresQuery query;
    Callback done;
    Clock::time_point deadline{};  // set when sent
    std::uint64_t statement = 0;   // the cached statement it runs, if any
    bool prepares = false;         // a Parse of that statement precedes it
    bool parsed = false;           // ... and it succeeded
    std::vector<PostgresResult::Row> rows;  // of the statement running
    std::vector<std::string> columns;       // ... with query.describe
    std::size_t result_rows = 0;  // of every statement, toward the bounds
    std::size_t result_bytes = 0;
    std::string too_large;  // which bound the result passed, if it did
    PostgresResult result;

    // What the caller gets, once the call is answered in full.
    Result<PostgresResult> Outcome() &&;
  };
  // What a message gave: a call answered in full, or why the connection
  // must be dropped (`broken` not OK), or neither.
  struct Step {
    std::optional<Call> answered;
    Status broken;
  };

  explicit PostgresPipeline(std::chrono::milliseconds timeout);

  // Keeps `call` until SendHeld sends it.
  void Hold(Call call);
  bool has_held() const { return !held_.empty(); }
  // Appends the messages of every held call to `out` (the caller sends
  // them) and starts their deadlines.
  void SendHeld(std::string& out);
  // Takes one message the server sent while connected, other than the
  // asynchronous ones (NoticeResponse, ParameterStatus, Notification).
  Step Take(const pg::Message& message);

  bool in_flight() const { return !sent_.empty(); }
  // The oldest sent call's deadline; only while in_flight().
  Clock::time_point oldest_deadline() const { return sent_.front().deadline; }

  // Removes and returns the calls sent and not answered, oldest first.
  std::deque<Call> TakeSent();
  // Removes and returns the calls not sent yet, oldest first.
  std::deque<Call> TakeHeld();
  // The connection is gone: every statement must be prepared again.
  void Reset();
  // How many statements this session has prepared or is preparing.
  std::size_t cached_statements() const { return statements_.size(); }

 private:
  void Encode(Call& call, std::string& out);
  void EncodeThen(const PostgresQuery& query, std::string& out);
  Step TakeRow(Call& call, std::string_view body);
  Step TakeError(std::string_view body);
  Step Answer();
  // Updates the statement cache with what `call`'s answer says.
  void Settle(const Call& call);

  std::chrono::milliseconds timeout_;
  PostgresStatementCache statements_;
  // Names of statements forgotten and still held by the server, closed
  // before the next call's Parse.
  std::vector<std::string> to_close_;
  std::deque<Call> held_;
  std::deque<Call> sent_;  // in flight, oldest first
};

}  // namespace twelve::backing
