#pragma once
// LocalCounter: a counter with one writer thread and any number of readers.
//
// Metrics are counted on the request path, so a count must cost no lock and
// no locked read-modify-write: each I/O thread owns its counters and adds
// with a relaxed load and store (no other thread writes them, so no update
// is lost), and a scrape sums the threads' counters with relaxed loads. A
// scrape is therefore a moment behind the threads, never wrong.

#include <atomic>
#include <cstdint>

namespace twelve::metrics {

class LocalCounter {
 public:
  // Only from the owner thread.
  void Add(std::uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n,
                 std::memory_order_relaxed);
  }
  // From any thread.
  std::uint64_t Read() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace twelve::metrics
