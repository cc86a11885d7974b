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
    slot.latency.AddTo(totals.latency);
  }
  return totals;
}

}  // namespace twelve
