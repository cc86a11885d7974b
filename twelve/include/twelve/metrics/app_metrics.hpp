#pragma once
// AppMetrics: an app's own counters and histograms on /metrics, beside the
// kit's (factor XI's sibling: what the process did, for an operator). Part of
// the kit's public contract.
//
//   // In the app's OnServe setup, before serving:
//   twelve::metrics::AppMetrics& metrics = context.metrics();
//   auto visits = metrics.AddCounter("visits_total", "Visits counted.");
//   auto sizes = metrics.AddHistogram("batch_size", "Visits per batch.",
//                                     {1, 2, 4, 8, 16});
//   // On I/O thread `loop` (twelve::CurrentLoop(context.loops())):
//   (*visits)->Add(loop, 1);
//   (*sizes)->Observe(loop, 12);
//
// Rendered with the app's name as prefix: welcome_visits_total,
// welcome_batch_size_bucket{le="16"} ... (Prometheus text format).
//
// Counting is lock-free: each I/O thread owns one slot of every counter and
// histogram (one writer per slot, no read-modify-write), a scrape sums the
// slots from any thread, a moment behind the threads, never wrong. So Add and
// Observe take the calling loop's index and must be called on that loop's
// thread only.
//
// Registering: before serving (the setup), from the setup's thread. Names are
// Prometheus names without the prefix: [a-z_][a-z0-9_]*, unique in the app;
// histogram bounds are 1 to 16 ascending integers in the unit observed. A bad
// name or bounds is kInvalidArgument saying what was expected.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/status.hpp"

namespace twelve::metrics {

// A counter the app adds to on its I/O threads.
class AppCounter {
 public:
  AppCounter(std::string name, std::string help, std::size_t loops);
  ~AppCounter();
  AppCounter(const AppCounter&) = delete;
  AppCounter& operator=(const AppCounter&) = delete;

  // Only on the thread of loop `loop` (< the number of loops).
  void Add(std::size_t loop, std::uint64_t n = 1);
  // Any thread: the sum of the loops' slots.
  std::uint64_t Total() const;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }

 private:
  struct Slot;
  std::string name_, help_;
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_;
};

// What a histogram holds, summed over the loops.
struct AppHistogramTotals {
  std::vector<std::uint64_t> bounds;
  std::vector<std::uint64_t> buckets;  // per bound, then +Inf; not cumulative
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
};

// A histogram with fixed buckets the app observes on its I/O threads.
class AppHistogram {
 public:
  static constexpr std::size_t kMaxBounds = 16;

  AppHistogram(std::string name, std::string help,
               std::vector<std::uint64_t> bounds, std::size_t loops);
  ~AppHistogram();
  AppHistogram(const AppHistogram&) = delete;
  AppHistogram& operator=(const AppHistogram&) = delete;

  // Only on the thread of loop `loop`.
  void Observe(std::size_t loop, std::uint64_t value);
  // Any thread.
  AppHistogramTotals Read() const;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::uint64_t>& bounds() const { return bounds_; }

 private:
  struct Slot;
  std::string name_, help_;
  std::vector<std::uint64_t> bounds_;
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_;
};

// The app's registry: one per process, with a slot per I/O thread.
class AppMetrics {
 public:
  explicit AppMetrics(std::size_t loops);
  ~AppMetrics();
  AppMetrics(const AppMetrics&) = delete;
  AppMetrics& operator=(const AppMetrics&) = delete;

  // Before serving. The pointer lives as long as the registry.
  Result<AppCounter*> AddCounter(std::string name, std::string help);
  Result<AppHistogram*> AddHistogram(std::string name, std::string help,
                                     std::vector<std::uint64_t> bounds);

  // In registration order; read by the metrics page (any thread, once
  // serving: nothing is added then).
  const std::vector<std::unique_ptr<AppCounter>>& counters() const {
    return counters_;
  }
  const std::vector<std::unique_ptr<AppHistogram>>& histograms() const {
    return histograms_;
  }

 private:
  Status CheckName(std::string_view name) const;

  std::size_t loops_;
  std::vector<std::unique_ptr<AppCounter>> counters_;
  std::vector<std::unique_ptr<AppHistogram>> histograms_;
};

}  // namespace twelve::metrics
