#pragma once
// StoreMetrics: what the attached store did, for /metrics and /status:
// operations (round trips), errors, reconnects, round-trip latency, visits
// counted and the batches that carried them.
//
// Counted per event loop, like the connections to the store: the loop's
// thread is the only writer of its slot (metrics::LocalCounter, no lock), a
// scrape sums the slots from any thread. One extra slot serves a driver's
// own thread (SQLite's). One store per process is the common case; the
// kind is that of the last store attached.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/histogram.hpp"
#include "metrics/local_counter.hpp"

namespace twelve {

class StoreMetrics {
 public:
  struct Totals {
    std::string kind;  // "" while no store is attached
    std::uint64_t operations = 0;
    std::uint64_t errors = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t visits = 0;
    std::uint64_t batches = 0;
    metrics::HistogramTotals latency{metrics::kLatencyBoundsNs};
    metrics::HistogramTotals batch_sizes{metrics::kBatchSizeBounds};
  };

  // `loops` slots, and one more for a driver's own thread.
  explicit StoreMetrics(std::size_t loops);
  ~StoreMetrics();
  StoreMetrics(const StoreMetrics&) = delete;
  StoreMetrics& operator=(const StoreMetrics&) = delete;

  // Before serving (the store's setup).
  void SetKind(std::string_view kind) { kind_ = kind; }
  std::size_t own_thread_slot() const { return size_ - 1; }

  // Only on the thread that owns `slot`.
  void Operation(std::size_t slot, bool ok, std::uint64_t latency_ns);
  void Batch(std::size_t slot, std::uint64_t visits);
  void Reconnect(std::size_t slot);

  // Any thread.
  Totals Read() const;

 private:
  struct alignas(64) Slot {
    metrics::LocalCounter operations, errors, reconnects, visits, batches;
    metrics::LocalHistogram latency{metrics::kLatencyBoundsNs};
    metrics::LocalHistogram batch_sizes{metrics::kBatchSizeBounds};
  };
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_;
  std::string kind_;
};

}  // namespace twelve
