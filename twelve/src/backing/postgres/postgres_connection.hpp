#pragma once
// PostgresConnection: one libpq connection driven by one event loop:
// getting it, watching its socket, losing it and getting it back.
//
// libpq's asynchronous API does the protocol; the loop does the waiting: the
// connection watches a dup() of libpq's socket with Asio (so that Asio never
// closes libpq's descriptor) and calls PQconnectPoll, PQflush and
// PQconsumeInput when it is ready. Nothing here blocks the loop: host names
// are resolved by Asio's resolver, not by libpq. The queries themselves,
// pipelined or one at a time, are kept by its PostgresPipeline.
//
// Failures: a query not yet sent when the connection fails gets kUnavailable;
// one sent and not answered when it broke gets kAmbiguous (never resent);
// the oldest one unanswered after the operation timeout gets kTimeout and
// the connection is dropped (PQcancel would block the loop). The connection
// then reconnects by itself with jittered exponential backoff. Without
// libpq (not loadable: see libpq_library.hpp) every attempt fails at once
// with the loader's message, as if the server could not be reached.
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
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "backing/backoff.hpp"
#include "backing/postgres/libpq_library.hpp"
#include "backing/postgres/postgres_pipeline.hpp"
#include "twelve/log.hpp"
#include "twelve/status.hpp"
#include "twelve/store_url.hpp"

namespace twelve::backing {

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
  using Callback = PostgresPipeline::Callback;

  // `libpq` is the process's libpq, or why it could not be loaded.
  PostgresConnection(boost::asio::io_context& io, Result<const Libpq*> libpq,
                     const StoreUrl& url, const Options& options,
                     const Logger& log, int loop);
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
  using Call = PostgresPipeline::Call;

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
  // Moving the pipeline's queries.
  void SendHeld();
  bool Flush();
  void ReadResults();
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
  Result<const Libpq*> libpq_;
  const Libpq* pq_;  // null when libpq could not be loaded
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

  PostgresPipeline pipeline_;
};

}  // namespace twelve::backing
