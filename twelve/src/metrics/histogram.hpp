#pragma once
// LocalHistogram: a histogram with fixed buckets, one writer thread and any
// number of readers (see LocalCounter for why); HistogramTotals: the sum of
// several, as a scrape reports it.
//
// Values are integers in the unit the bounds use (nanoseconds for
// latencies); the text format scales them.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "metrics/local_counter.hpp"

namespace twelve::metrics {

// Request and store latencies, in nanoseconds: 100 us to 10 s.
inline constexpr std::array<std::uint64_t, 16> kLatencyBoundsNs = {
    100'000,       250'000,       500'000,       1'000'000,
    2'500'000,     5'000'000,     10'000'000,    25'000'000,
    50'000'000,    100'000'000,   250'000'000,   500'000'000,
    1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

struct HistogramTotals {
  std::span<const std::uint64_t> bounds;
  std::vector<std::uint64_t> buckets;  // per bound, then +Inf; not cumulative
  std::uint64_t count = 0;
  std::uint64_t sum = 0;

  explicit HistogramTotals(std::span<const std::uint64_t> b)
      : bounds(b), buckets(b.size() + 1, 0) {}
};

class LocalHistogram {
 public:
  static constexpr std::size_t kMaxBounds = 16;

  // `bounds`, ascending, must outlive the histogram (the constants above).
  explicit LocalHistogram(std::span<const std::uint64_t> bounds)
      : bounds_(bounds) {}

  // Only from the owner thread. `times` observations of `value` at once (a
  // pipelined batch's requests share their arrival and their answer).
  void Observe(std::uint64_t value, std::uint64_t times = 1) {
    std::size_t bucket = 0;
    while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
    buckets_[bucket].Add(times);
    sum_.Add(value * times);
  }

  // Adds this histogram to `totals` (built with the same bounds). From any
  // thread: the count is the sum of the buckets read, so they always agree.
  void AddTo(HistogramTotals& totals) const {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
      std::uint64_t n = buckets_[i].Read();
      totals.buckets[i] += n;
      totals.count += n;
    }
    totals.sum += sum_.Read();
  }

 private:
  std::span<const std::uint64_t> bounds_;
  std::array<LocalCounter, kMaxBounds + 1> buckets_{};
  LocalCounter sum_;
};

}  // namespace twelve::metrics
