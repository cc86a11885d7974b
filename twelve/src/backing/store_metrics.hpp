#pragma once
// StoreMetrics: what the attached store did, for /metrics and /status:
// operations (round trips), errors, reconnects, round-trip latency, counted
// by the clients (redis::Client, sql::Client) and their connections. What an
// app makes of them (a counter's visits and batches) is the app's own, on
// AppMetrics.
//
// Counted per event loop, like the connections to the store: the loop's
// thread is the only writer of its slot (metrics::LocalCounter, no lock), a
// scrape sums the slots from any thread. One extra slot serves a driver's
// own thread (SQLite's). One store per process is the common case; the
// kind is that of the last store attached.

#include <chrono>
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
    metrics::HistogramTotals latency{metrics::kLatencyBoundsNs};
  };

  // `loops` slots, and one more for a driver's own thread.
  explicit StoreMetrics(std::size_t loops);
  ~StoreMetrics();
  StoreMetrics(const StoreMetrics&) = delete;
  StoreMetrics& operator=(const StoreMetrics&) = delete;

  // When a client opens (before serving).
  void SetKind(std::string_view kind) { kind_ = kind; }
  std::size_t own_thread_slot() const { return size_ - 1; }

  // Only on the thread that owns `slot`.
  void Operation(std::size_t slot, bool ok, std::uint64_t latency_ns);
  void Reconnect(std::size_t slot);

  // Any thread.
  Totals Read() const;

 private:
  struct alignas(64) Slot {
    metrics::LocalCounter operations, errors, reconnects;
    metrics::LocalHistogram latency{metrics::kLatencyBoundsNs};
  };
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_;
  std::string kind_;
};

// Counts one operation sent at `sent` and answered now, on `slot`'s thread.
inline void CountOperation(StoreMetrics& metrics, std::size_t slot,
                           std::chrono::steady_clock::time_point sent,
                           bool ok) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - sent);
  metrics.Operation(slot, ok, static_cast<std::uint64_t>(ns.count()));
}

}  // namespace twelve
