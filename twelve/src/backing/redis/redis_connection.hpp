#pragma once
// RedisConnection: one pipelined connection to Redis, owned by one event
// loop. hiredis supplies only the protocol (its command formatter and reply
// reader); the socket, timers and reconnects are ours, on Asio, so that a
// command never blocks or hops threads.
//
// Lifecycle: Start() connects in the background (resolve, TCP, then AUTH and
// SELECT pipelined); the connection is up only once Redis accepted them. On
// any failure it drops the socket, fails what is pending and reconnects with
// backoff and jitter, logging each transition once: the life cycle shared
// with the PostgreSQL driver (ConnectionLifecycle, which also decides what
// pending callbacks receive).
//
// Pipelining: commands sent in one loop turn go out in one write; replies
// complete the oldest pending command, in order. What the server sends is
// checked by RedisReplyBounds before hiredis' reader keeps it: a reply past
// its bounds, a protocol error, or a reply no command asked for drops the
// connection. One readiness event reads at most kReadPerTurn bytes, so a
// server that floods cannot keep the loop from its other work. One timer
// watches the oldest pending command's deadline (and doubles as the connect
// deadline and the backoff wait).
//
// Failures given to callbacks: kUnavailable (not sent: down, or the first
// connection failed), kTimeout (no connection within the connect timeout, or
// the oldest sent command had no answer in time), kAmbiguous (sent, then the
// connection broke or was dropped: maybe applied, never resent).
//
// Threading: everything but Ready() runs on the connection's loop; Close()
// may also run once that loop has stopped. Handlers keep the object alive
// through shared_from_this(), so it may be released at any time after
// Close().

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backing/connection_lifecycle.hpp"
#include "backing/redis/redis_reply_bounds.hpp"
#include "process/event_loops.hpp"
#include "twelve/backing/store_callback.hpp"
#include "twelve/backing/store_options.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

struct redisReader;
struct redisReply;

namespace twelve {
class StoreMetrics;
}

namespace twelve::backing {

class RedisConnection final
    : public std::enable_shared_from_this<RedisConnection> {
 public:
  using Clock = std::chrono::steady_clock;
  // The reply is valid only during the call. Inline room for the client's
  // bookkeeping around a StoreCallback, so a command allocates nothing here.
  using ReplyCallback = MoveOnlyFunction<void(Result<const redisReply*>),
                                         kStoreCallbackInlineBytes + 32>;

  struct Settings {
    std::string host;
    std::uint16_t port = 6379;
    std::string user;      // empty: AUTH with the password alone
    std::string password;  // secret: never logged; empty: no AUTH
    int database = 0;      // SELECTed when not 0
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds operation_timeout{1000};
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    int loop = 0;  // for logs
    // Counts reconnects in slot `loop`; may be null (one-off connections).
    StoreMetrics* metrics = nullptr;

    // Loop `loop`'s connection to the server `url` names (AUTH and SELECT
    // from the URL), with the timeouts and backoff of `options`; reconnects
    // counted in `metrics` when not null.
    static Settings From(const StoreUrl& url, const StoreOptions& options,
                         int loop, StoreMetrics* metrics = nullptr);
  };

  RedisConnection(boost::asio::io_context& context, Settings settings,
                  const Logger& log);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Posts the first connection attempt to the loop. Any thread.
  void Start();
  // Sends `argv` (argv[0] is the command; any number of binary-safe words);
  // `done` runs on the loop with the reply, or inside this call when the
  // connection is known to be down.
  void Send(std::span<const std::string_view> argv, ReplyCallback done);
  // Whether the connection is up. Any thread.
  bool Ready() const { return lifecycle_.ready(); }
  // Releases the socket, the timer and the resolver and drops pending
  // callbacks uncalled. On the loop, or after the loop stopped.
  void Close();

  boost::asio::io_context& context() { return context_; }

 private:
  enum class State { kIdle, kConnecting, kUp, kWaiting, kClosed };
  // Why the connection is dropped (kRefused: Redis answered AUTH or SELECT
  // with an error).
  using Cause = ConnectionLifecycle::Failure;

  struct Pending {
    ReplyCallback done;
    Clock::time_point deadline;  // set when handed to a write
  };
  struct ReaderDeleter {
    void operator()(redisReader* reader) const;
  };

  void Connect();
  void ConnectTo(const boost::asio::ip::tcp::endpoint& endpoint);
  void OnTcpConnected(std::uint64_t epoch, const boost::system::error_code& ec);
  bool SendHandshake();  // false: dropped
  void OnHandshakeReply(const redisReply& reply);
  void OnConnected();

  void Flush();
  void StartWrite();
  void OnWritten(std::uint64_t epoch, const boost::system::error_code& ec);
  void WaitReadable();
  void OnReadable(std::uint64_t epoch, const boost::system::error_code& ec);
  bool Feed(std::uint64_t epoch, std::string_view bytes);
  bool ProcessReplies(std::uint64_t epoch);
  void HidePassword(redisReply& reply) const;
  void OnReply(const redisReply& reply);

  void Arm(Clock::time_point deadline);
  void Disarm();
  void OnTimer(std::uint64_t epoch, const boost::system::error_code& ec);
  void CheckOldestDeadline();

  void Drop(const std::string& error, Cause cause);
  void ReleaseSocket();
  void FailAll(std::deque<Pending> failed, std::size_t unsent,
               const std::string& error, Cause cause);
  void Complete(ReplyCallback& done, Result<const redisReply*> result);

  boost::asio::io_context& context_;
  const Settings settings_;
  const Logger log_;
  ConnectionLifecycle lifecycle_;

  std::optional<boost::asio::ip::tcp::socket> socket_;
  std::optional<boost::asio::ip::tcp::resolver> resolver_;
  std::optional<boost::asio::steady_timer> timer_;
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
  RedisReplyBounds bounds_;  // checks what reader_ is fed

  State state_ = State::kIdle;

  // Handlers of an older socket (or timer wait) carry an older epoch and do
  // nothing: a closed socket's completions may still be queued.
  std::uint64_t socket_epoch_ = 0;
  std::uint64_t timer_epoch_ = 0;
  bool timer_armed_ = false;

  // Replies still owed to the handshake, and what each answers.
  const char* handshake_[3] = {};
  int handshake_size_ = 0;
  int handshake_next_ = 0;

  std::deque<Pending> pending_;  // oldest first
  std::size_t unsent_ = 0;       // the newest `unsent_` are only in out_
  std::string out_;              // commands not yet handed to a write
  std::string writing_;          // the write in flight
  bool write_in_flight_ = false;
  bool flush_posted_ = false;
};

}  // namespace twelve::backing
