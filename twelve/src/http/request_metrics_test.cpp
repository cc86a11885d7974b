#include "http/request_metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace twelve::http {
namespace {

using Clock = RequestMetrics::Clock;

std::uint64_t Count(const RequestTotals& totals, const std::string& method,
                    const std::string& route, int code) {
  auto it = totals.requests.find({method, route, code});
  return it == totals.requests.end() ? 0 : it->second;
}

TEST(RequestMetrics, CountsByMethodRouteAndCode) {
  RequestMetrics metrics;
  const Clock::time_point now = Clock::now();
  metrics.Record("GET", "/", 200, now);
  metrics.Record("GET", "/", 200, now);
  metrics.Record("HEAD", "/", 200, now);
  metrics.Record("POST", "/", 405, now);
  metrics.Record("GET", std::string(kUnmatchedRoute), 404, now);
  metrics.Stamp(Clock::now());
  RequestTotals totals;
  metrics.AddTo(totals);
  EXPECT_EQ(Count(totals, "GET", "/", 200), 2u);
  EXPECT_EQ(Count(totals, "HEAD", "/", 200), 1u);
  EXPECT_EQ(Count(totals, "POST", "/", 405), 1u);
  EXPECT_EQ(Count(totals, "GET", "unmatched", 404), 1u);
  EXPECT_EQ(totals.Requests(), 5u);
  EXPECT_EQ(totals.durations.at("/").count, 4u);
  EXPECT_EQ(totals.durations.at("unmatched").count, 1u);
}

// A keyed label (the server's) counts in the same series as its name, and a
// key past the table's is looked up by name.
TEST(RequestMetrics, KeyedLabelsCountUnderTheirNames) {
  RequestMetrics metrics;
  const Clock::time_point now = Clock::now();
  metrics.Record("GET", "/", 200, now);
  metrics.Record("GET", RouterRouteLabel("/", 0), 200, now);
  metrics.Record("GET", RouterRouteLabel("/", 0), 200, now);
  metrics.Record("GET", RouterRouteLabel("/livez", 1), 200, now);
  metrics.Record("GET", kUnmatchedLabel, 404, now);
  metrics.Record("GET", kRejectedLabel, 400, now);
  metrics.Record("GET", RouterRouteLabel("/far", 1000), 200, now);
  metrics.Record("GET", RouterRouteLabel("/far", 1000), 200, now);
  metrics.Stamp(Clock::now());
  RequestTotals totals;
  metrics.AddTo(totals);
  EXPECT_EQ(Count(totals, "GET", "/", 200), 3u);
  EXPECT_EQ(Count(totals, "GET", "/livez", 200), 1u);
  EXPECT_EQ(Count(totals, "GET", "unmatched", 404), 1u);
  EXPECT_EQ(Count(totals, "GET", "rejected", 400), 1u);
  EXPECT_EQ(Count(totals, "GET", "/far", 200), 2u);
  EXPECT_EQ(totals.Requests(), 8u);
  EXPECT_EQ(totals.durations.at("/").count, 3u);
  EXPECT_EQ(totals.durations.at("/far").count, 2u);
}

TEST(RequestMetrics, UncommonMethodsCountAsOther) {
  RequestMetrics metrics;
  metrics.Record("BREW", "/", 405, Clock::now());
  RequestTotals totals;
  metrics.AddTo(totals);
  EXPECT_EQ(Count(totals, "other", "/", 405), 1u);
}

TEST(RequestMetrics, DurationsWaitForTheStamp) {
  RequestMetrics metrics;
  metrics.Record("GET", "/", 200, Clock::now() - std::chrono::seconds(2));
  RequestTotals before;
  metrics.AddTo(before);
  EXPECT_EQ(before.durations.at("/").count, 0u);
  metrics.Stamp(Clock::now());
  RequestTotals after;
  metrics.AddTo(after);
  const metrics::HistogramTotals& histogram = after.durations.at("/");
  EXPECT_EQ(histogram.count, 1u);
  EXPECT_GE(histogram.sum, 2'000'000'000u);
}

// Requests that began together are observed together, each with its own
// count and the whole duration in the sum; others keep their own durations.
TEST(RequestMetrics, RequestsThatBeganTogetherAreEachObserved) {
  RequestMetrics metrics;
  const Clock::time_point now = Clock::now();
  const Clock::time_point batch = now - std::chrono::seconds(2);
  for (int i = 0; i < 3; ++i) metrics.Record("GET", "/", 200, batch);
  metrics.Record("GET", "/a", 200, batch);
  metrics.Record("GET", "/", 200, now);
  metrics.Stamp(now);
  RequestTotals totals;
  metrics.AddTo(totals);
  const metrics::HistogramTotals& root = totals.durations.at("/");
  EXPECT_EQ(root.count, 4u);
  EXPECT_EQ(root.sum, 6'000'000'000u);
  EXPECT_EQ(root.buckets[0], 1u);                   // the one that began now
  EXPECT_EQ(root.buckets[root.bounds.size()], 0u);  // 2 s is under 10 s
  EXPECT_EQ(totals.durations.at("/a").count, 1u);
  EXPECT_EQ(totals.durations.at("/a").sum, 2'000'000'000u);
}

TEST(RequestMetrics, RoutesPastTheLimitCountAsOther) {
  RequestMetrics metrics;
  for (std::size_t i = 0; i < RequestMetrics::kMaxRoutes + 10; ++i) {
    metrics.Record("GET", "/r" + std::to_string(i), 200, Clock::now());
  }
  RequestTotals totals;
  metrics.AddTo(totals);
  EXPECT_EQ(totals.Requests(), RequestMetrics::kMaxRoutes + 10);
  EXPECT_EQ(Count(totals, "GET", "other", 200), 11u);
  EXPECT_EQ(totals.durations.size(), RequestMetrics::kMaxRoutes);
}

TEST(RequestMetrics, SeriesPastTheTableCountUnderOther) {
  RequestMetrics metrics;
  std::uint64_t recorded = 0;
  for (int code = 100; code < 600; ++code) {
    for (const char* method : {"GET", "POST", "PUT"}) {
      metrics.Record(method, "/", code, Clock::now());
      ++recorded;
    }
  }
  RequestTotals totals;
  metrics.AddTo(totals);
  EXPECT_EQ(totals.Requests(), recorded);
  EXPECT_GT(Count(totals, "other", "other", 0), 0u);
  EXPECT_LE(totals.requests.size(), RequestMetrics::kSlots);
}

TEST(RequestMetrics, RejectionsByReason) {
  RequestMetrics metrics;
  metrics.Reject(RejectionForStatus(431));
  metrics.Reject(RejectionForStatus(413));
  metrics.Reject(RejectionForStatus(400));
  metrics.Reject(Rejection::kTimeout);
  RequestTotals totals;
  metrics.AddTo(totals);
  EXPECT_EQ(totals.rejected[0], 2u);  // limit
  EXPECT_EQ(totals.rejected[1], 1u);  // timeout
  EXPECT_EQ(totals.rejected[2], 1u);  // framing
  EXPECT_EQ(RejectionName(Rejection::kLimit), "limit");
}

// The owner writes while another thread scrapes: every scrape is a count
// the owner has reached, never more (TSan checks the rest).
TEST(RequestMetrics, ScrapesWhileTheOwnerCounts) {
  RequestMetrics metrics;
  constexpr int kRequests = 20000;
  std::thread owner([&] {
    for (int i = 0; i < kRequests; ++i) {
      metrics.Record("GET", i % 2 ? "/a" : "/b", 200, Clock::now());
      if (i % 64 == 0) metrics.Stamp(Clock::now());
    }
    metrics.Stamp(Clock::now());
  });
  std::uint64_t last = 0;
  for (int i = 0; i < 200; ++i) {
    RequestTotals totals;
    metrics.AddTo(totals);
    EXPECT_GE(totals.Requests(), last);
    last = totals.Requests();
  }
  owner.join();
  RequestTotals totals;
  metrics.AddTo(totals);
  EXPECT_EQ(totals.Requests(), static_cast<std::uint64_t>(kRequests));
}

}  // namespace
}  // namespace twelve::http
