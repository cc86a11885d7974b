#include "backing/store_metrics.hpp"

namespace twelve {

StoreMetrics::StoreMetrics(std::size_t loops)
    : slots_(std::make_unique<Slot[]>(loops + 1)), size_(loops + 1) {}

StoreMetrics::~StoreMetrics() = default;

void StoreMetrics::Operation(std::size_t slot, bool ok,
                             std::uint64_t latency_ns) {
  Slot& mine = slots_[slot];
  mine.operations.Add(1);
  if (!ok) mine.errors.Add(1);
  mine.latency.Observe(latency_ns);
}

void StoreMetrics::Batch(std::size_t slot, std::uint64_t visits) {
  Slot& mine = slots_[slot];
  mine.visits.Add(visits);
  mine.batches.Add(1);
  mine.batch_sizes.Observe(visits);
}

void StoreMetrics::Reconnect(std::size_t slot) {
  slots_[slot].reconnects.Add(1);
}

StoreMetrics::Totals StoreMetrics::Read() const {
  Totals totals;
  totals.kind = kind_;
  for (std::size_t i = 0; i < size_; ++i) {
    const Slot& slot = slots_[i];
    totals.operations += slot.operations.Read();
    totals.errors += slot.errors.Read();
    totals.reconnects += slot.reconnects.Read();
    totals.visits += slot.visits.Read();
    totals.batches += slot.batches.Read();
    slot.latency.AddTo(totals.latency);
    slot.batch_sizes.AddTo(totals.batch_sizes);
  }
  return totals;
}

}  // namespace twelve
