#pragma once
// PostgresConnection: one PostgreSQL session driven by one event loop:
// getting it, moving its bytes, losing it and getting it back.
//
// The driver speaks the protocol itself (postgres_protocol.hpp), so that a
// process attached to PostgreSQL maps no libpq and none of its TLS, LDAP
// and Kerberos libraries. Connecting: resolve (Asio's resolver; the loop
// never blocks), connect, ask for TLS as sslmode says (postgres_tls.hpp,
// OpenSSL loaded only when a server agrees), send the startup message,
// answer the server's login requests (postgres_login.hpp), check
// target_session_attrs, then wait for ReadyForQuery. The queries
// themselves, pipelined, are kept by its PostgresPipeline.
//
// Failures: a query not yet sent when the connection fails gets kUnavailable;
// one sent and not answered when it broke gets kAmbiguous (never resent);
// the oldest one unanswered after the operation timeout gets kTimeout and
// the connection is dropped. The connection then reconnects by itself with
// jittered exponential backoff. Readiness, the backoff, the transitions'
// log events and those Statuses are the life cycle it shares with the
// Redis driver (ConnectionLifecycle).
//
// Against a broken or hostile server: every length is checked before it is
// read (InputBuffer), a result is bounded (PostgresPipeline), a login
// answers each request once (PostgresLogin), the parameters a session may
// report and the notices it logs are bounded, and one readiness event reads
// at most 256 KiB before the loop's other work gets a turn.
//
// Threading: Start, Submit and the callbacks run on the connection's loop;
// ready() is read from any thread; Close() runs on the loop or once the loop
// has stopped.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "backing/connection_lifecycle.hpp"
#include "backing/postgres/postgres_login.hpp"
#include "backing/postgres/postgres_pipeline.hpp"
#include "backing/postgres/postgres_protocol.hpp"
#include "backing/postgres/postgres_settings.hpp"
#include "backing/postgres/postgres_tls.hpp"
#include "backing/postgres/postgres_transport.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve {
class StoreMetrics;
}

namespace twelve::backing {

class PostgresConnection
    : public std::enable_shared_from_this<PostgresConnection> {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds operation_timeout{1000};
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    // False: one attempt only; once it fails, or the connection is lost,
    // every call fails (a one-off connection such as the migrate task's).
    bool reconnect = true;
    // False: transitions are logged at debug level (a one-off connection's
    // failures reach its caller as Status values).
    bool log_transitions = true;
    // Counts reconnects in the connection's loop's slot; may be null.
    StoreMetrics* metrics = nullptr;
  };
  using Callback = PostgresPipeline::Callback;

  // `url` must be a PostgreSQL URL that ParseStoreUrl accepted.
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
  bool ready() const { return lifecycle_.ready(); }
  // Disconnects for good and releases every socket and timer; callbacks
  // still pending are dropped.
  void Close();

 private:
  enum class State { kIdle, kConnecting, kReady, kBackingOff, kClosed };
  // Where a connection attempt is, once the socket is connected.
  enum class Phase { kTcp, kTlsAnswer, kTlsHandshake, kStartup };
  using Call = PostgresPipeline::Call;
  using Endpoints = boost::asio::ip::tcp::resolver::results_type;

  // Connecting.
  void BeginAttempt();
  void OnResolved(const boost::system::error_code& ec,
                  const Endpoints& endpoints);
  void ConnectTo(const Endpoints& endpoints);
  void OnTcpConnected(const boost::system::error_code& ec);
  void OnTlsAnswer();
  void ContinueHandshake();
  void SendStartup();
  void OnStartupMessage(const pg::Message& message);
  void OnStartupDone();
  void OnConnected();
  void FailAttempt(const std::string& reason, bool timed_out);
  void ScheduleReconnect(std::optional<std::chrono::milliseconds> delay);
  // Moving bytes.
  void WaitRead();
  void WaitWrite();
  void Wait(boost::asio::ip::tcp::socket::wait_type what);
  void OnSocketError(const boost::system::error_code& ec);
  void OnReadable();
  void OnWritable();
  // Receives what the socket has and hands each message on; false when the
  // connection failed (already handled) or a later turn goes on reading.
  bool ReceiveMessages();
  void ContinueLater();
  void HandMessage(const pg::Message& message);
  void Flush();
  void Failed(const std::string& reason);
  // Moving the pipeline's queries.
  void SendHeld();
  void OnReadyMessage(const pg::Message& message);
  void ArmOperationTimer();
  void OnOperationTimer();
  // Failing.
  void Lost(const std::string& reason, bool timed_out);
  void SayGoodbye();
  void Teardown();
  void Deliver(Callback& done, Result<PostgresResult> result);
  void LogNotice(std::string_view body);
  std::string Scrub(std::string text) const;
  template <typename F>
  void Guarded(F&& body);

  boost::asio::io_context& io_;
  StoreUrl url_;
  std::shared_ptr<const PostgresSettings> settings_;  // the URL's, shared
  std::string settings_error_;  // not a URL ParseStoreUrl accepted
  Options options_;
  const Logger& log_;
  int loop_;

  State state_ = State::kIdle;
  Phase phase_ = Phase::kTcp;
  ConnectionLifecycle lifecycle_;
  // Bumped whenever the connection is torn down: completions that carry an
  // older generation belong to a connection that is gone.
  std::uint64_t generation_ = 0;

  std::optional<boost::asio::ip::tcp::resolver> resolver_;
  std::optional<boost::asio::ip::tcp::socket> socket_;
  std::optional<PostgresTransport> transport_;  // once connected
  std::optional<PostgresLogin> login_;          // while starting a session
  ServerParameters server_parameters_;
  int notices_ = 0;  // logged this session
  pg::InputBuffer input_;
  std::string output_;  // not sent yet
  bool read_waiting_ = false;
  bool write_waiting_ = false;
  std::optional<boost::asio::steady_timer> timer_;  // connect or backoff
  std::optional<boost::asio::steady_timer> operation_timer_;
  bool operation_timer_armed_ = false;

  PostgresPipeline pipeline_;
};

}  // namespace twelve::backing
