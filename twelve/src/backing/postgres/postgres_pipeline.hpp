#pragma once
// PostgresPipeline: the queries of one libpq connection, from submitted to
// answered, and which result belongs to which query. It sends through libpq
// and reads the results libpq has parsed; it never waits, owns no socket
// and no timer, and does not decide what a failure costs: PostgresConnection
// does all that, and calls this class when the socket is ready.
//
// In pipeline mode (libpq 14+) every query is sent at once, followed by its
// own sync point, so the answers of many queries share round trips while an
// error in one does not abort the others; each query is its own implicit
// transaction. Statements named in the options are prepared on first use.
// Without pipeline mode one query is in flight at a time, the others are
// held, and a query may be a script of several statements (the migrate task
// needs that).
//
// Threading: the connection's loop only.

#include <libpq-fe.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backing/postgres/libpq_library.hpp"
#include "twelve/status.hpp"

namespace twelve::backing {

// A result, freed through the libpq it came from.
struct PgResultDeleter {
  const Libpq* pq = nullptr;
  void operator()(PGresult* result) const { pq->PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// A statement prepared on first use (pipeline mode only).
struct PostgresStatement {
  const char* name;
  const char* sql;
};

struct PostgresQuery {
  // An index into the pipeline's statements, or -1 for `sql`.
  int statement = -1;
  std::string sql;
  std::vector<std::string> params;  // text parameters $1, $2, ...
  // Several statements without parameters (simple protocol). Not allowed in
  // pipeline mode.
  bool script = false;
};

class PostgresPipeline {
 public:
  using Clock = std::chrono::steady_clock;
  // The query's last result, or why there is none. A query the server
  // answered with an error yields that error as a PGresult (check its
  // status) unless the error means the connection is going away.
  using Callback = std::function<void(Result<PgResult>)>;

  // A query and whoever waits for its answer.
  struct Call {
    PostgresQuery query;
    Callback done;
    Clock::time_point deadline{};  // set when sent
    bool prepares = false;         // a Prepare of query.statement precedes it
    int results = 0;
    bool failed = false;
    PgResult result;  // the first error, else the last result
  };
  // What reading results gave: a call answered in full, or why the
  // connection must be dropped (libpq's text, maybe several lines), or
  // neither: nothing complete yet.
  struct Step {
    std::optional<Call> answered;
    std::string broken;
  };

  // `pq` may be null only while nothing is ever sent (libpq not loaded).
  PostgresPipeline(const Libpq* pq, bool pipeline,
                   std::span<const PostgresStatement> statements,
                   std::chrono::milliseconds timeout);

  // Keeps `call` until SendNext sends it.
  void Hold(Call call);
  // True when a held call may be sent now: in pipeline mode, or when
  // nothing is in flight.
  bool CanSend() const;
  // Sends the oldest held call on `conn` (not flushed: the caller flushes)
  // and starts its deadline. False when libpq failed: the call counts as
  // sent (part of it may be on the wire) and the connection must go.
  bool SendNext(PGconn* conn);
  // Reads what libpq has parsed, until a call is answered in full, the
  // connection must go, or nothing is left to read now.
  Step Next(PGconn* conn);

  bool in_flight() const { return !sent_.empty(); }
  // The oldest sent call's deadline; only while in_flight().
  Clock::time_point oldest_deadline() const { return sent_.front().deadline; }

  // Removes and returns the calls sent and not answered, oldest first.
  std::deque<Call> TakeSent();
  // Removes and returns the calls not sent yet, oldest first.
  std::deque<Call> TakeHeld();
  // The connection is gone: every statement must be prepared again.
  void Reset();

 private:
  enum class Prepared { kNo, kPreparing, kYes };

  bool Dispatch(PGconn* conn, Call& call);
  void Take(Call& call, PgResult result);
  Step Answer();

  const Libpq* pq_;
  bool pipeline_;
  std::span<const PostgresStatement> statements_;
  std::chrono::milliseconds timeout_;
  std::vector<Prepared> prepared_;
  std::deque<Call> held_;
  std::deque<Call> sent_;  // in flight, oldest first
};

}  // namespace twelve::backing
