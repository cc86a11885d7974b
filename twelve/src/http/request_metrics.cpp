#include "http/request_metrics.hpp"

#include <algorithm>

namespace twelve::http {
namespace {

constexpr std::array<std::string_view, 8> kMethods = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"};
constexpr std::uint32_t kOtherMethod = kMethods.size() - 1;
constexpr std::string_view kOtherRoute = "other";
// The table stays at most three quarters full, so that a probe is short.
constexpr std::size_t kMaxSeries = RequestMetrics::kSlots * 3 / 4;

std::uint32_t MethodIndex(std::string_view method) {
  for (std::uint32_t i = 0; i < kOtherMethod; ++i) {
    if (kMethods[i] == method) return i;
  }
  return kOtherMethod;
}

// route + 1 (never 0, the free slot), method, status code (0 to 1023).
std::uint32_t KeyOf(std::uint32_t route, std::uint32_t method, int code) {
  const auto status = static_cast<std::uint32_t>(code) & 0x3ffu;
  return ((route + 1) << 13) | (method << 10) | status;
}

}  // namespace

std::string_view RejectionName(Rejection rejection) {
  switch (rejection) {
    case Rejection::kLimit:
      return "limit";
    case Rejection::kTimeout:
      return "timeout";
    case Rejection::kFraming:
      return "framing";
  }
  return "framing";
}

Rejection RejectionForStatus(int status) {
  return status == 413 || status == 414 || status == 431 ? Rejection::kLimit
                                                         : Rejection::kFraming;
}

std::uint64_t RequestTotals::Requests() const {
  std::uint64_t sum = 0;
  for (const auto& [series, count] : requests) sum += count;
  return sum;
}

std::uint64_t RequestTotals::ServerErrors() const {
  std::uint64_t sum = 0;
  for (const auto& [series, count] : requests) {
    if (series.code >= 500) sum += count;
  }
  return sum;
}

struct RequestMetrics::Route {
  std::string name;
  metrics::LocalHistogram duration{metrics::kLatencyBoundsNs};
};

RequestMetrics::RequestMetrics()
    : routes_(std::make_unique<Route[]>(kMaxRoutes)),
      slots_(std::make_unique<Slot[]>(kSlots)) {
  // The last route takes what does not fit; it is named before any reader.
  routes_[kMaxRoutes - 1].name = kOtherRoute;
  // Where series that do not fit count: taken first, so it always fits.
  overflow_ = &SlotFor(KeyOf(kMaxRoutes - 1, kOtherMethod, 0));
  held_.reserve(256);
}

RequestMetrics::~RequestMetrics() = default;

// Keyed labels (every request the server answers) are looked up by name
// once per key: a name lookup was ~45 instructions of a ~3,600-instruction
// pipelined request.
std::uint32_t RequestMetrics::RouteId(RouteLabel route) {
  if (route.key >= kMaxRoutes) return RouteIdByName(route.name);
  std::uint32_t& id = id_by_key_[route.key];
  if (id == 0) id = RouteIdByName(route.name) + 1;
  return id - 1;
}

// A linear scan, like the router's: a service has a handful of routes.
std::uint32_t RequestMetrics::RouteIdByName(std::string_view route) {
  const std::size_t used = routes_used_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < used; ++i) {
    if (routes_[i].name == route) return static_cast<std::uint32_t>(i);
  }
  if (used == kMaxRoutes - 1) return kMaxRoutes - 1;
  routes_[used].name = route;
  routes_used_.store(used + 1, std::memory_order_release);
  return static_cast<std::uint32_t>(used);
}

RequestMetrics::Slot& RequestMetrics::SlotFor(std::uint32_t key) {
  std::size_t index = (key * 2654435761u) % kSlots;
  for (;;) {
    Slot& slot = slots_[index];
    const std::uint32_t held = slot.key.load(std::memory_order_relaxed);
    if (held == key) return slot;
    if (held == 0) {
      if (slots_used_ >= kMaxSeries) break;
      ++slots_used_;
      slot.key.store(key, std::memory_order_release);
      return slot;
    }
    index = (index + 1) % kSlots;
  }
  return *overflow_;
}

void RequestMetrics::Record(std::string_view method, RouteLabel route, int code,
                            Clock::time_point began) {
  const std::uint32_t route_id = RouteId(route);
  SlotFor(KeyOf(route_id, MethodIndex(method), code)).count.Add(1);
  if (!held_.empty() && held_.back().route == route_id &&
      held_.back().began == began) {
    ++held_.back().count;
  } else {
    held_.push_back(Held{route_id, 1, began});
  }
}

void RequestMetrics::Stamp(Clock::time_point now) {
  for (const Held& held : held_) {
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - held.began);
    routes_[held.route].duration.Observe(
        static_cast<std::uint64_t>(std::max<std::int64_t>(ns.count(), 0)),
        held.count);
  }
  held_.clear();
}

void RequestMetrics::AddTo(RequestTotals& totals) const {
  const std::size_t used = routes_used_.load(std::memory_order_acquire);
  auto name_of = [&](std::uint32_t route) -> const std::string& {
    return routes_[route].name;
  };
  for (std::size_t i = 0; i < kSlots; ++i) {
    const std::uint32_t key = slots_[i].key.load(std::memory_order_acquire);
    if (key == 0 || (&slots_[i] == overflow_ && overflow_->count.Read() == 0)) {
      continue;
    }
    const std::uint32_t route = (key >> 13) - 1;
    if (route >= used && route != kMaxRoutes - 1) continue;  // not yet named
    RequestTotals::Series series{std::string(kMethods[(key >> 10) & 7]),
                                 name_of(route), static_cast<int>(key & 0x3ff)};
    totals.requests[series] += slots_[i].count.Read();
  }
  auto add_route = [&](std::size_t route) {
    auto [it, fresh] = totals.durations.try_emplace(routes_[route].name,
                                                    metrics::kLatencyBoundsNs);
    routes_[route].duration.AddTo(it->second);
  };
  for (std::size_t route = 0; route < used; ++route) add_route(route);
  add_route(kMaxRoutes - 1);
  for (std::size_t i = 0; i < kRejectionKinds; ++i) {
    totals.rejected[i] += rejected_[i].Read();
  }
}

}  // namespace twelve::http
