#pragma once
// CounterStore: named integer counters kept in a backing service (factor VI:
// the process keeps no state of its own). welcome's, written on the kit's
// generic clients: one interface, a driver per client (Redis on
// redis::Client; PostgreSQL and SQLite on sql::Client) and an in-memory one
// for tests.
//
// Threading: every call is made on one of the EventLoops the store was
// opened with (an I/O thread, or a TaskLoop), and its callback runs later on
// that same loop, never inside the call itself... except for failures known
// at once (store down): those may be reported inside the call.
//
// Failures: kUnavailable (not connected; nothing was sent; safe to retry),
// kTimeout (no connection within STORE_CONNECT_TIMEOUT, or no answer within
// STORE_TIMEOUT after sending: then it may have been applied), kAmbiguous
// (the command was sent and the connection broke before the answer: it may
// or may not have been applied; never retried, so no visit is counted
// twice), kInternal (the store answered an error, e.g. missing schema: run
// the migrate task).
//
// Connections: each client connects in the background when opened and
// reconnects by itself with exponential backoff and jitter; every
// transition (lost, reconnecting, back) is one log event.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <twelve/backing/migration.hpp>
#include <twelve/backing/store_options.hpp>
#include <twelve/backing/store_url.hpp>
#include <twelve/log/logger.hpp>
#include <twelve/metrics/app_metrics.hpp>
#include <twelve/move_only_function.hpp>
#include <twelve/status.hpp>
#include <vector>

namespace twelve {
class EventLoops;
}

namespace welcome {

class CounterStore {
 public:
  // Callbacks are move-only, with room inline for what a caller keeps while
  // it waits: an HTTP handler's Responder and RequestLog (~240 bytes) travel
  // in the callback itself, with no allocation per visit.
  static constexpr std::size_t kCallbackInlineBytes = 256;
  using ValueCallback =
      twelve::MoveOnlyFunction<void(twelve::Result<std::int64_t>),
                               kCallbackInlineBytes>;
  using StatusCallback =
      twelve::MoveOnlyFunction<void(twelve::Status), kCallbackInlineBytes>;

  virtual ~CounterStore() = default;

  // Atomically adds `delta` to counter `key` (absent counts as 0) and
  // reports the value after the add.
  virtual void Add(std::string_view key, std::int64_t delta,
                   ValueCallback done) = 0;
  // Reports the value of counter `key` (0 when absent).
  virtual void Get(std::string_view key, ValueCallback done) = 0;
  // Sets counter `key` to `value`.
  virtual void Set(std::string_view key, std::int64_t value,
                   StatusCallback done) = 0;
  // Applies the migrations not yet applied, each in its own transaction,
  // recording them in a schema_migrations table; a no-op for Redis.
  // Safe to run while web processes are serving.
  virtual void Migrate(const std::vector<twelve::Migration>& migrations,
                       StatusCallback done) = 0;
  // Reports the highest migration version recorded by Migrate (0 when none
  // was, or for Redis, which has no schema). Reads only: `doctor` uses it.
  virtual void SchemaVersion(ValueCallback done) = 0;

  // True while the connection of every loop is up. Any thread; never blocks.
  virtual bool Ready() const = 0;
  // Closes the connections and releases every socket and timer, so the
  // store may outlive its loops; callbacks still pending are dropped. Call
  // after the loops stopped (control thread) or from the task's thread.
  virtual void Close() = 0;

  // "redis", "postgres", "sqlite" or "memory".
  virtual std::string_view kind() const = 0;
};

// Opens the store `url` names, one connection per loop of `loops`. Returns at
// once; the store connects in the background.
twelve::Result<std::unique_ptr<CounterStore>> OpenCounterStore(
    const twelve::StoreUrl& url, const twelve::StoreOptions& options,
    twelve::EventLoops& loops, const twelve::Logger& log);

// A store in this process's memory, for unit tests of domain code. Callbacks
// run inside the call.
std::unique_ptr<CounterStore> NewMemoryCounterStore();

// What the coalescing store counts, on the app's metrics (/metrics as
// welcome_visits_total, welcome_batches_total, welcome_batch_size; /status
// shows the first two).
struct CounterMetrics {
  twelve::metrics::AppCounter* visits = nullptr;
  twelve::metrics::AppCounter* batches = nullptr;
  twelve::metrics::AppHistogram* batch_sizes = nullptr;
};
// Registers them on `metrics` (before serving).
twelve::Result<CounterMetrics> RegisterCounterMetrics(
    twelve::metrics::AppMetrics& metrics);

// Wraps `store` so that the Add(key, 1) calls made on one loop in one turn
// of that loop go out as a single Add(key, k); each caller still receives
// its own distinct value from the range that came back. The total stays
// exact; a failure fails every caller of the batch. Counts the visits and
// batches on `metrics`, and Close() logs them, once, on `log` (which must
// outlive the store): {"msg":"counter store totals","store":...,
// "visits":N,"batches":M}, M being the store's round trips (commits for SQL
// stores).
std::unique_ptr<CounterStore> NewCoalescingCounterStore(
    std::unique_ptr<CounterStore> store, twelve::EventLoops& loops,
    const twelve::Logger& log, const CounterMetrics& metrics);

}  // namespace welcome
