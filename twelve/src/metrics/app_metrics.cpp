#include "twelve/metrics/app_metrics.hpp"

#include <algorithm>
#include <array>

#include "metrics/local_counter.hpp"

namespace twelve::metrics {

// A cache line per loop: two loops counting never share one.
struct alignas(64) AppCounter::Slot {
  LocalCounter value;
};

AppCounter::AppCounter(std::string name, std::string help, std::size_t loops)
    : name_(std::move(name)),
      help_(std::move(help)),
      slots_(std::make_unique<Slot[]>(loops)),
      size_(loops) {}

AppCounter::~AppCounter() = default;

void AppCounter::Add(std::size_t loop, std::uint64_t n) {
  if (loop < size_) slots_[loop].value.Add(n);
}

std::uint64_t AppCounter::Total() const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < size_; ++i) total += slots_[i].value.Read();
  return total;
}

struct alignas(64) AppHistogram::Slot {
  std::array<LocalCounter, kMaxBounds + 1> buckets{};
  LocalCounter sum;
};

AppHistogram::AppHistogram(std::string name, std::string help,
                           std::vector<std::uint64_t> bounds, std::size_t loops)
    : name_(std::move(name)),
      help_(std::move(help)),
      bounds_(std::move(bounds)),
      slots_(std::make_unique<Slot[]>(loops)),
      size_(loops) {}

AppHistogram::~AppHistogram() = default;

void AppHistogram::Observe(std::size_t loop, std::uint64_t value) {
  if (loop >= size_) return;
  std::size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  Slot& slot = slots_[loop];
  slot.buckets[bucket].Add(1);
  slot.sum.Add(value);
}

AppHistogramTotals AppHistogram::Read() const {
  AppHistogramTotals totals;
  totals.bounds = bounds_;
  totals.buckets.assign(bounds_.size() + 1, 0);
  for (std::size_t i = 0; i < size_; ++i) {
    for (std::size_t b = 0; b <= bounds_.size(); ++b) {
      const std::uint64_t n = slots_[i].buckets[b].Read();
      totals.buckets[b] += n;
      totals.count += n;
    }
    totals.sum += slots_[i].sum.Read();
  }
  return totals;
}

AppMetrics::AppMetrics(std::size_t loops) : loops_(loops) {}
AppMetrics::~AppMetrics() = default;

Status AppMetrics::CheckName(std::string_view name) const {
  const bool well_formed =
      !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!well_formed) {
    return Status::InvalidArgument(
        "metrics: expected a name of [a-z_][a-z0-9_]*, got '" +
        std::string(name) + "'");
  }
  const auto same = [name](const auto& metric) {
    return metric->name() == name;
  };
  if (std::any_of(counters_.begin(), counters_.end(), same) ||
      std::any_of(histograms_.begin(), histograms_.end(), same)) {
    return Status::InvalidArgument("metrics: expected a new name, got '" +
                                   std::string(name) +
                                   "', which is registered already");
  }
  return Status::Ok();
}

Result<AppCounter*> AppMetrics::AddCounter(std::string name, std::string help) {
  if (Status status = CheckName(name); !status.ok()) return status;
  counters_.push_back(
      std::make_unique<AppCounter>(std::move(name), std::move(help), loops_));
  return counters_.back().get();
}

Result<AppHistogram*> AppMetrics::AddHistogram(
    std::string name, std::string help, std::vector<std::uint64_t> bounds) {
  if (Status status = CheckName(name); !status.ok()) return status;
  if (bounds.empty() || bounds.size() > AppHistogram::kMaxBounds ||
      !std::is_sorted(bounds.begin(), bounds.end(), std::less_equal<>())) {
    return Status::InvalidArgument(
        "metrics: histogram '" + name +
        "' expected 1 to 16 strictly ascending bounds, got " +
        std::to_string(bounds.size()) +
        (bounds.size() <= AppHistogram::kMaxBounds && !bounds.empty()
             ? " not strictly ascending"
             : ""));
  }
  histograms_.push_back(std::make_unique<AppHistogram>(
      std::move(name), std::move(help), std::move(bounds), loops_));
  return histograms_.back().get();
}

}  // namespace twelve::metrics
