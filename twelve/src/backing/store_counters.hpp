#pragma once
// StoreCounters: how many visits a store received and in how many round
// trips (commits, for SQL stores), counted per event loop.
//
// The bench reads visits per round trip from the servers (Redis's INFO
// commandstats, PostgreSQL's pg_stat_database); these counters are the
// app's own account of the same, the only one for SQLite, which has no
// server. Issue 14 will expose them as metrics.
//
// Threading: Record(loop, ...) only on loop `loop`, which owns its slot, so
// the hot path is a relaxed load and store on a cache line no other thread
// writes (no lock, no read-modify-write). Totals() from any thread: the sum
// over loops, exact once the loops stopped, a moment behind while they run.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace twelve {

class StoreCounters {
 public:
  struct Totals {
    std::uint64_t visits = 0;
    std::uint64_t batches = 0;
  };

  explicit StoreCounters(std::size_t loops)
      : loops_(std::make_unique<PerLoop[]>(loops)), size_(loops) {}

  // One round trip carrying `visits` visits, sent by loop `loop`.
  void Record(std::size_t loop, std::uint64_t visits) {
    PerLoop& mine = loops_[loop];
    Bump(mine.visits, visits);
    Bump(mine.batches, 1);
  }

  Totals Read() const {
    Totals totals;
    for (std::size_t i = 0; i < size_; ++i) {
      totals.visits += loops_[i].visits.load(std::memory_order_relaxed);
      totals.batches += loops_[i].batches.load(std::memory_order_relaxed);
    }
    return totals;
  }

 private:
  // A cache line per loop: loops never write one another's line.
  struct alignas(64) PerLoop {
    std::atomic<std::uint64_t> visits{0};
    std::atomic<std::uint64_t> batches{0};
  };

  // The slot's only writer: load + store, not fetch_add's locked RMW.
  static void Bump(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n,
                  std::memory_order_relaxed);
  }

  std::unique_ptr<PerLoop[]> loops_;
  std::size_t size_;
};

}  // namespace twelve
