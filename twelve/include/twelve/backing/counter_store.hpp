#pragma once
// CounterStore: named integer counters kept in a backing service (factor VI:
// the process keeps no state of its own). One interface, one driver per
// service: Redis, PostgreSQL, SQLite (and an in-memory one for tests).
//
// Threading: every call is made on one of the EventLoops the store was
// opened with (an I/O thread, or a TaskLoop), and its callback runs later on
// that same loop, never inside the call itself... except for failures known
// at once (store down): those may be reported inside the call.
//
// Failures: kUnavailable (not connected; nothing was sent; safe to retry),
// kTimeout (no connection within STORE_CONNECT_TIMEOUT, or no answer within
// STORE_TIMEOUT after sending: then it may have been applied), kAmbiguous
// (the command was sent and the
// connection broke before the answer: it may or may not have been applied;
// never retried, so no visit is counted twice), kInternal (the store
// answered an error, e.g. missing schema: run the migrate task).
//
// Connections: each driver connects in the background when opened and
// reconnects by itself with exponential backoff and jitter; every
// transition (lost, reconnecting, back) is one log event.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/backing/migration.hpp"
#include "twelve/backing/store_options.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve {

class EventLoops;

class CounterStore {
 public:
  using ValueCallback = std::function<void(Result<std::int64_t>)>;
  using StatusCallback = std::function<void(Status)>;

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
  virtual void Migrate(const std::vector<Migration>& migrations,
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
Result<std::unique_ptr<CounterStore>> OpenCounterStore(
    const StoreUrl& url, const StoreOptions& options, EventLoops& loops,
    const Logger& log);

// A store in this process's memory, for unit tests of domain code. Callbacks
// run inside the call.
std::unique_ptr<CounterStore> NewMemoryCounterStore();

// Wraps `store` so that the Add(key, 1) calls made on one loop in one turn
// of that loop go out as a single Add(key, k); each caller still receives
// its own distinct value from the range that came back. The total stays
// exact; a failure fails every caller of the batch. Close() logs, once, on
// `log` (which must outlive the store), the visits it batched and the
// batches it sent: {"msg":"counter store totals","store":...,"visits":N,
// "batches":M}, M being the store's round trips (commits for SQL stores).
std::unique_ptr<CounterStore> NewCoalescingCounterStore(
    std::unique_ptr<CounterStore> store, EventLoops& loops, const Logger& log);

}  // namespace twelve
