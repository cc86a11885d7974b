#pragma once
// PostgresConnection: one libpq connection driven by one event loop.
//
// libpq's asynchronous API does the protocol; the loop does the waiting: the
// connection watches a dup() of libpq's socket with Asio (so that Asio never
// closes libpq's descriptor) and calls PQconnectPoll, PQflush and
// PQconsumeInput when it is ready. Nothing here blocks the loop: host names
// are resolved by Asio's resolver, not by libpq.
//
// In pipeline mode (libpq 14+) every query is sent at once, followed by its
// own sync point, so the answers of many queries share round trips while an
// error in one does not abort the others; each query is its own implicit
// transaction. Statements named in the options are prepared on first use.
// Without pipeline mode one query is in flight at a time and a query may be a
// script of several statements (the migrate task needs that).
//
// Failures: a query not yet sent when the connection fails gets kUnavailable;
// one sent and not answered when it broke gets kAmbiguous (never resent);
// the oldest one unanswered after the operation timeout gets kTimeout and
// the connection is dropped (PQcancel would block the loop). The connection
// then reconnects by itself with jittered exponential backoff.
//
// Threading: Start, Submit and the callbacks run on the connection's loop;
// ready() is read from any thread; Close() runs on the loop or once the loop
// has stopped.

#include <libpq-fe.h>
#include <sys/types.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backing/backoff.hpp"
#include "twelve/log.hpp"
#include "twelve/status.hpp"
#include "twelve/store_url.hpp"

namespace twelve::backing {

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// A statement the connection prepares on first use (pipeline mode only).
struct PostgresStatement {
  const char* name;
  const char* sql;
};

struct PostgresQuery {
  // An index into PostgresConnection::Options::statements, or -1 for `sql`.
  int statement = -1;
  std::string sql;
  std::vector<std::string> params;  // text parameters $1, $2, ...
  // Several statements without parameters (simple protocol). Not allowed in
  // pipeline mode.
  bool script = false;
};

class PostgresConnection
    : public std::enable_shared_from_this<PostgresConnection> {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds operation_timeout{1000};
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    bool pipeline = true;
    // False: one attempt only; once it fails, or the connection is lost,
    // every call fails (a one-off connection such as the migrate task's).
    bool reconnect = true;
    // False: transitions are logged at debug level (a one-off connection's
    // failures reach its caller as Status values).
    bool log_transitions = true;
    std::span<const PostgresStatement> statements;
  };
  // The query's last result, or why there is none. A query the server
  // answered with an error yields that error as a PGresult (check its
  // status) unless the error means the connection is going away.
  using Callback = std::function<void(Result<PgResult>)>;

  PostgresConnection(boost::asio::io_context& io, const StoreUrl& url,
                     const Options& options, const Logger& log, int loop);
  ~PostgresConnection();
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  // Starts the first connection attempt. Calls submitted before it and
  // during it wait for it (at most the connect timeout).
  void Start();
  // Runs `query`; `done` runs later on the loop, or inside this call when
  // the failure is known at once (not connected: kUnavailable).
  void Submit(PostgresQuery query, Callback done);
  // True while connected. Any thread.
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // Disconnects for good and releases every socket and timer; callbacks
  // still pending are dropped.
  void Close();

 private:
  enum class State { kIdle, kConnecting, kReady, kBackingOff, kClosed };
  enum class Prepared { kNo, kPreparing, kYes };
  struct Pending {
    PostgresQuery query;
    Callback done;
    std::chrono::steady_clock::time_point deadline;
    bool prepares = false;  // a Prepare of query.statement precedes it
    int results = 0;
    bool failed = false;
    PgResult result;  // the first error, else the last result
  };
  using Clock = std::chrono::steady_clock;

  // Connecting.
  void BeginAttempt();
  void OnResolved(const boost::system::error_code& ec,
                  const boost::asio::ip::tcp::resolver::results_type& results);
  void StartLibpq(const std::string& hostaddr);
  void PollConnect();
  void OnConnected();
  void FailAttempt(const std::string& reason, bool timed_out);
  void ScheduleReconnect();
  // Watching libpq's socket.
  bool WatchSocket();
  void ResetSocket();
  void WaitRead();
  void WaitWrite();
  void OnSocketError(const boost::system::error_code& ec);
  void OnReadable();
  void OnWritable();
  // Queries.
  void Send(Pending pending);
  bool Dispatch(Pending& pending);
  bool Flush();
  void ProcessResults();
  void TakeResult(Pending& pending, PgResult result);
  void Complete();
  void ArmOperationTimer();
  void OnOperationTimer();
  // Failing.
  void Lost(const std::string& reason, bool timed_out);
  void Teardown();
  void Deliver(Callback& done, Result<PgResult> result);
  std::string ErrorMessage() const;
  std::string Scrub(std::string text) const;
  Status NotConnected() const;
  template <typename F>
  void Guarded(F&& body);

  boost::asio::io_context& io_;
  StoreUrl url_;
  Options options_;
  const Logger& log_;
  int loop_;

  State state_ = State::kIdle;
  std::atomic<bool> ready_{false};
  bool first_attempt_done_ = false;
  bool ever_connected_ = false;
  bool reconnect_logged_ = false;
  std::string last_error_;
  Backoff backoff_;
  // Bumped whenever the connection is torn down: completions that carry an
  // older generation belong to a connection that is gone.
  std::uint64_t generation_ = 0;

  PGconn* pg_ = nullptr;
  PostgresPollingStatusType poll_ = PGRES_POLLING_WRITING;
  std::optional<boost::asio::posix::stream_descriptor> socket_;
  ino_t socket_inode_ = 0;
  // Bumped whenever socket_ is replaced, for the same reason.
  std::uint64_t socket_epoch_ = 0;
  bool read_waiting_ = false;
  bool write_waiting_ = false;
  bool flush_pending_ = false;
  std::optional<boost::asio::ip::tcp::resolver> resolver_;
  std::optional<boost::asio::steady_timer> timer_;  // connect or backoff
  std::optional<boost::asio::steady_timer> operation_timer_;
  bool operation_timer_armed_ = false;

  std::vector<Prepared> prepared_;
  std::deque<Pending> unsent_;  // before the first connection; non-pipelined
  std::deque<Pending> sent_;    // in flight, oldest first
};

}  // namespace twelve::backing
