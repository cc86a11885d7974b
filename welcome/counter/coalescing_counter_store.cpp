// Coalescing: the increments that arrive on one loop travel as one
// Add(key, k). The store answers the value after the add, v; the batch's
// callers receive v-k+1 ... v in arrival order. Every visit still gets its
// own number and the total stays exact, but a store round trip (and, for SQL
// stores, a commit) is paid once per batch instead of once per visit.
//
// One batch per key and loop is in flight at a time, as in a database's
// group commit: what arrives during a round trip waits and goes out as the
// next batch, so batches grow with the load instead of the store's queue.
// A batch leaves once the loop has taken in the requests already waiting on
// its sockets (PostToLoopAfterReadyIo), so that it carries them too: under
// load, the answers of one batch bring their clients' next requests while
// the loop is still sending them, and those would otherwise miss the batch
// that leaves at the reply and wait a whole round trip. On PostgreSQL at 50
// connections this took a commit from ~25 visits to ~35, and visits/s up
// 10-25% in alternated runs (docs/performance.md).
//
// Each batch is counted on the app's metrics (per loop, lock-free): the
// visits it carries, one batch, its size; the store's round trips are the
// clients' (store_operations_total). The visits and batches are also logged
// once when the store closes, as "counter store totals" (what the bench
// reads for the app's visits per round trip).

#include <array>
#include <string>
#include <twelve/process/loop_access.hpp>
#include <vector>

#include "counter/counter_store.hpp"

namespace welcome {
namespace {

using twelve::Migration;
using twelve::Result;

class CoalescingCounterStore final : public CounterStore {
 public:
  CoalescingCounterStore(std::unique_ptr<CounterStore> store,
                         twelve::EventLoops& loops, const twelve::Logger& log,
                         const CounterMetrics& metrics)
      : store_(std::move(store)),
        loops_(loops),
        log_(log),
        metrics_(metrics),
        batches_(twelve::LoopCount(loops)) {}

  void Add(std::string_view key, std::int64_t delta,
           ValueCallback done) override {
    const int loop = twelve::CurrentLoop(loops_);
    if (delta != 1 || loop < 0) {
      store_->Add(key, delta, std::move(done));
      return;
    }
    Batch& batch = BatchFor(static_cast<std::size_t>(loop), key);
    batch.waiters.push_back(std::move(done));
    if (batch.waiters.size() == 1 && !batch.in_flight) {
      FlushSoon(static_cast<std::size_t>(loop), batch.key);
    }
  }

  void Get(std::string_view key, ValueCallback done) override {
    store_->Get(key, std::move(done));
  }
  void Set(std::string_view key, std::int64_t value,
           StatusCallback done) override {
    store_->Set(key, value, std::move(done));
  }
  void Migrate(const std::vector<Migration>& migrations,
               StatusCallback done) override {
    store_->Migrate(migrations, std::move(done));
  }
  void SchemaVersion(ValueCallback done) override {
    store_->SchemaVersion(std::move(done));
  }
  bool Ready() const override { return store_->Ready(); }
  // The store drops its pending callbacks; the waiters they stood for are
  // dropped with them, as the contract says.
  void Close() override {
    if (!closed_) LogTotals();
    closed_ = true;
    store_->Close();
    for (std::vector<Batch>& batches : batches_) {
      for (Batch& batch : batches) {
        std::vector<ValueCallback>().swap(batch.sent);
        std::vector<ValueCallback>().swap(batch.waiters);
      }
    }
  }
  std::string_view kind() const override { return store_->kind(); }

 private:
  struct Batch {
    std::string key;
    std::vector<ValueCallback> waiters;
    // The waiters of the batch in flight; empty, with its capacity kept,
    // once answered. Two vectors that trade places keep a loaded loop from
    // growing a fresh vector (up to tens of KiB) for every batch, which
    // showed in profiles as malloc's consolidation of freed chunks.
    std::vector<ValueCallback> sent;
    bool in_flight = false;
  };

  // A service has a key or two: a short vector beats a map.
  Batch& BatchFor(std::size_t loop, std::string_view key) {
    for (Batch& batch : batches_[loop]) {
      if (batch.key == key) return batch;
    }
    return batches_[loop].emplace_back(Batch{std::string(key), {}, {}});
  }

  // Flush, after this turn's handlers and those of the requests ready now,
  // which may add more.
  void FlushSoon(std::size_t loop, const std::string& key) {
    twelve::PostToLoopAfterReadyIo(loops_, loop,
                                   [this, loop, key] { Flush(loop, key); });
  }

  // Sends what waits as one Add(key, k); while it is in flight, new visits
  // wait for the reply, which sends them (FlushSoon) as the next batch.
  void Flush(std::size_t loop, const std::string& key) {
    Batch& batch = BatchFor(loop, key);
    if (batch.waiters.empty()) return;
    batch.sent.swap(batch.waiters);
    batch.in_flight = true;
    auto k = static_cast<std::int64_t>(batch.sent.size());
    CountBatch(loop, batch.sent.size());
    store_->Add(key, k, [this, loop, key, k](Result<std::int64_t> sum) {
      OnReply(loop, key, k, sum);
    });
  }

  // Stores answer on the loop that asked (SQLite posts its answers back).
  // The waiters leave the batch while they run: a waiter may add to another
  // key, and a new batch would move this one.
  void OnReply(std::size_t loop, const std::string& key, std::int64_t k,
               const Result<std::int64_t>& sum) {
    std::vector<ValueCallback> waiters;
    waiters.swap(BatchFor(loop, key).sent);
    for (std::int64_t i = 0; i < k; ++i) {
      ValueCallback& done = waiters[static_cast<std::size_t>(i)];
      if (sum.ok()) {
        done(*sum - k + 1 + i);
      } else {
        done(sum.status());
      }
    }
    waiters.clear();
    Batch& batch = BatchFor(loop, key);
    batch.sent.swap(waiters);  // its capacity, for the next batch
    batch.in_flight = false;
    if (!batch.waiters.empty()) FlushSoon(loop, key);
  }

  void CountBatch(std::size_t loop, std::size_t visits) {
    if (metrics_.visits != nullptr) metrics_.visits->Add(loop, visits);
    if (metrics_.batches != nullptr) metrics_.batches->Add(loop, 1);
    if (metrics_.batch_sizes != nullptr) {
      metrics_.batch_sizes->Observe(loop, visits);
    }
  }

  // Called once, after the loops stopped: the totals are final.
  void LogTotals() const {
    const auto total = [](const twelve::metrics::AppCounter* counter) {
      return counter != nullptr ? counter->Total() : std::uint64_t{0};
    };
    log_.Info("counter store totals", {{"store", store_->kind()},
                                       {"visits", total(metrics_.visits)},
                                       {"batches", total(metrics_.batches)}});
  }

  std::unique_ptr<CounterStore> store_;
  twelve::EventLoops& loops_;
  const twelve::Logger& log_;
  const CounterMetrics metrics_;
  std::vector<std::vector<Batch>> batches_;  // per loop; touched only by it
  bool closed_ = false;
};

}  // namespace

twelve::Result<CounterMetrics> RegisterCounterMetrics(
    twelve::metrics::AppMetrics& metrics) {
  // Powers of two to 4096: batches grow with the load.
  constexpr std::array<std::uint64_t, 13> kBatchSizeBounds = {
      1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  auto visits =
      metrics.AddCounter("visits_total",
                         "Visits counted (increments by one, coalesced into "
                         "batches).");
  if (!visits.ok()) return visits.status();
  auto batches =
      metrics.AddCounter("batches_total", "Batches sent: one round trip each.");
  if (!batches.ok()) return batches.status();
  auto sizes =
      metrics.AddHistogram("batch_size", "Visits per batch.",
                           {kBatchSizeBounds.begin(), kBatchSizeBounds.end()});
  if (!sizes.ok()) return sizes.status();
  return CounterMetrics{*visits, *batches, *sizes};
}

std::unique_ptr<CounterStore> NewCoalescingCounterStore(
    std::unique_ptr<CounterStore> store, twelve::EventLoops& loops,
    const twelve::Logger& log, const CounterMetrics& metrics) {
  return std::make_unique<CoalescingCounterStore>(std::move(store), loops, log,
                                                  metrics);
}

}  // namespace welcome
