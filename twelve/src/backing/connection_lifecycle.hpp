#pragma once
// ConnectionLifecycle: what a reconnecting store connection does whatever
// its protocol, kept once for the Redis and the PostgreSQL driver
// (RedisConnection, PostgresConnection): readiness, the jittered backoff
// between attempts, one log event per transition, and what the calls left
// behind by a failure receive, where the rule that an ambiguous failure is
// never retried lives. The driver keeps the socket, the protocol and its
// timers (the connect deadline, the backoff wait): it tells the life cycle
// of each transition and waits as long as Failed() says.
//
// Events (fields store, loop, address; with log_transitions off, every one
// at debug level, for one-off connections whose caller gets the Status):
//   connected                 "store connected" (info; the driver's own
//                             fields, then back: a reconnection)
//   lost (it was up)          "store connection lost" (warn, error), then
//                             "store reconnecting" (info, delay_ms)
//   the first attempt failed  "store connection failed" (warn, error), then
//                             "store reconnecting"
//   a later attempt failed    "store reconnect failed" (debug, error,
//                             delay_ms); but "store connection failed"
//                             (warn) when the server refused it (kRefused:
//                             a wrong password) for a new reason
//
// What calls receive, `where` being "<store> at <address>":
//   not sent                  kUnavailable "<where> unavailable: <error>";
//                             kTimeout when the attempt timed out
//   sent, unanswered          kAmbiguous: maybe applied, never resent
//   the oldest sent, late     kTimeout (also maybe applied)
//   made while down           kUnavailable at once (Down())
//
// Threading: the connection's loop, but ready() from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "backing/backoff.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve {
class StoreMetrics;
}

namespace twelve::backing {

// "host:port", "[::1]:port": a store's address in events and messages.
std::string HostAndPort(const std::string& host, std::uint16_t port);

class ConnectionLifecycle {
 public:
  struct Options {
    std::string store;    // "redis", "postgres"
    std::string address;  // host:port, [v6]:port
    int loop = 0;
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    // False: one attempt; once it fails or the connection is lost, no
    // other (a one-off connection such as the migrate task's).
    bool reconnect = true;
    bool log_transitions = true;
    // Counts reconnections in slot `loop`; may be null.
    StoreMetrics* metrics = nullptr;
  };
  // Why the connection failed: decides the events and what calls receive.
  enum class Failure {
    kBroken,            // I/O, protocol or resolver error
    kRefused,           // the server refused the session (AUTH, login)
    kConnectTimeout,    // no connection within the connect timeout
    kOperationTimeout,  // the oldest sent call had no answer in time
  };

  ConnectionLifecycle(Options options, const Logger& log);

  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // Until the first attempt ends, calls wait for it; afterwards a call made
  // while the connection is down fails at once.
  bool first_attempt() const { return !first_attempt_done_; }
  const std::string& address() const { return options_.address; }

  // The attempt succeeded: logs "store connected" with `fields` before
  // `back`, counts a reconnection, resets the backoff, then publishes
  // readiness (whoever sees the store ready finds it logged).
  void Connected(std::span<const Field> fields);
  // The attempt, or the connection that was up, failed with `error`: logs
  // the transition and returns the wait before the next attempt; nullopt
  // when the connection does not reconnect.
  std::optional<std::chrono::milliseconds> Failed(const std::string& error,
                                                  Failure failure);
  // For good: not ready, and Down() says closed.
  void Closed();

  // What a call left behind by Failed(error, failure) receives: one not
  // yet sent, or one sent (`oldest`: the first sent, whose deadline an
  // operation timeout is about).
  Status NotSent(const std::string& error, Failure failure) const;
  Status Sent(const std::string& error, Failure failure, bool oldest) const;
  // What a call made while the connection is down receives.
  Status Down() const;

 private:
  LogLevel Level(LogLevel level) const;
  std::string Where() const;

  const Options options_;
  const Logger log_;
  Backoff backoff_;
  std::atomic<bool> ready_{false};
  bool first_attempt_done_ = false;
  bool ever_connected_ = false;
  bool closed_ = false;
  std::string last_error_;  // of the latest failure; empty while up
};

}  // namespace twelve::backing
