#pragma once
// RequestMetrics: what one worker counts of the requests it answers, for
// /metrics: answers by method, route and status code, durations by route (a
// histogram), and requests rejected by reason.
//
// On the request path, so it costs no lock: the worker's thread is the only
// writer (LocalCounter's relaxed load and store), and a scrape reads every
// worker's metrics from another thread (AddTo) and sums them. Durations are
// observed like the access log's: recorded requests wait for Stamp(), which
// the connection calls when it hands its answers to the socket, so one clock
// read serves a whole pipelined batch.
//
// Cardinality stays bounded: the route is the route's pattern (the path the
// app registered), "unmatched" for a 404 and "rejected" for a request the
// parser refused, never the raw path; methods other than the common seven
// count as "other". Past kMaxRoutes routes or kSlots series, the rest count
// as route "other" (the table never grows).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "metrics/histogram.hpp"
#include "metrics/local_counter.hpp"

namespace twelve::http {

enum class Rejection { kLimit, kTimeout, kFraming };
inline constexpr std::size_t kRejectionKinds = 3;
std::string_view RejectionName(Rejection rejection);
// The reason a parser's error status stands for: a size limit (413, 414,
// 431) or the framing (every other).
Rejection RejectionForStatus(int status);

inline constexpr std::string_view kUnmatchedRoute = "unmatched";
inline constexpr std::string_view kRejectedRoute = "rejected";

// A request's route label, and a key that stands for it so that Record()
// finds the route's row by index rather than by comparing names: the
// router's route_index + 2, 0 for "unmatched", 1 for "rejected". Within one
// RequestMetrics a key must always come with the same name (one router per
// worker); kByName looks the name up.
struct RouteLabel {
  static constexpr std::uint32_t kByName = UINT32_MAX;
  std::string_view name;
  std::uint32_t key = kByName;
};
inline constexpr RouteLabel kUnmatchedLabel{kUnmatchedRoute, 0};
inline constexpr RouteLabel kRejectedLabel{kRejectedRoute, 1};
inline constexpr RouteLabel RouterRouteLabel(std::string_view route,
                                             std::uint32_t route_index) {
  return RouteLabel{route, route_index + 2};
}

// The sum of every worker's metrics at one scrape.
struct RequestTotals {
  struct Series {
    std::string method;
    std::string route;
    int code;
    auto operator<=>(const Series&) const = default;
  };
  std::map<Series, std::uint64_t> requests;
  std::map<std::string, metrics::HistogramTotals> durations;  // by route
  std::array<std::uint64_t, kRejectionKinds> rejected{};

  std::uint64_t Requests() const;
  // Answers with a 5xx status.
  std::uint64_t ServerErrors() const;
};

class RequestMetrics {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxRoutes = 64;
  static constexpr std::size_t kSlots = 1024;

  RequestMetrics();
  ~RequestMetrics();
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  // The worker's thread only. One answered request that arrived at `began`;
  // its duration is observed at the next Stamp().
  void Record(std::string_view method, RouteLabel route, int code,
              Clock::time_point began);
  void Record(std::string_view method, std::string_view route, int code,
              Clock::time_point began) {
    Record(method, RouteLabel{route}, code, began);
  }
  void Stamp(Clock::time_point now);
  bool pending() const { return !held_.empty(); }
  void Reject(Rejection why) {
    rejected_[static_cast<std::size_t>(why)].Add(1);
  }

  // Any thread.
  void AddTo(RequestTotals& totals) const;

 private:
  struct Route;
  struct Slot {
    std::atomic<std::uint32_t> key{0};  // 0: free
    metrics::LocalCounter count;
  };
  // Requests of one route that began together (a pipelined batch's, read
  // at once) are held as one: Stamp() observes them in one step.
  struct Held {
    std::uint32_t route;
    std::uint32_t count;
    Clock::time_point began;
  };

  std::uint32_t RouteId(RouteLabel route);
  std::uint32_t RouteIdByName(std::string_view route);
  Slot& SlotFor(std::uint32_t key);

  std::unique_ptr<Route[]> routes_;
  std::atomic<std::size_t> routes_used_{0};  // published after the name
  std::unique_ptr<Slot[]> slots_;
  std::size_t slots_used_ = 0;
  Slot* overflow_ = nullptr;  // method, route and code "other"
  std::array<metrics::LocalCounter, kRejectionKinds> rejected_{};
  std::vector<Held> held_;
  // By RouteLabel::key: the route's id + 1, or 0 until first seen.
  std::array<std::uint32_t, kMaxRoutes> id_by_key_{};
};

}  // namespace twelve::http
