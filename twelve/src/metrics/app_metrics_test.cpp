#include "twelve/metrics/app_metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace twelve::metrics {
namespace {

TEST(AppMetrics, CounterSumsItsLoops) {
  AppMetrics metrics(2);
  Result<AppCounter*> visits = metrics.AddCounter("visits_total", "Visits.");
  ASSERT_TRUE(visits.ok()) << visits.status().ToString();
  (*visits)->Add(0, 3);
  (*visits)->Add(1);
  EXPECT_EQ((*visits)->Total(), 4u);
  EXPECT_EQ(metrics.counters().size(), 1u);
  EXPECT_EQ(metrics.counters()[0]->name(), "visits_total");
  EXPECT_EQ(metrics.counters()[0]->help(), "Visits.");
}

TEST(AppMetrics, EachLoopCountsOnItsOwnThreadWithoutLosingAny) {
  AppMetrics metrics(2);
  AppCounter* counter = *metrics.AddCounter("n", "");
  std::thread a([counter] {
    for (int i = 0; i < 100000; ++i) counter->Add(0);
  });
  std::thread b([counter] {
    for (int i = 0; i < 100000; ++i) counter->Add(1);
  });
  a.join();
  b.join();
  EXPECT_EQ(counter->Total(), 200000u);
}

TEST(AppMetrics, HistogramPutsEachValueInTheFirstBucketThatHoldsIt) {
  AppMetrics metrics(2);
  Result<AppHistogram*> sizes =
      metrics.AddHistogram("batch_size", "Sizes.", {1, 4, 16});
  ASSERT_TRUE(sizes.ok()) << sizes.status().ToString();
  (*sizes)->Observe(0, 1);
  (*sizes)->Observe(1, 4);
  (*sizes)->Observe(1, 5);
  (*sizes)->Observe(0, 100);
  AppHistogramTotals totals = (*sizes)->Read();
  EXPECT_EQ(totals.bounds, (std::vector<std::uint64_t>{1, 4, 16}));
  EXPECT_EQ(totals.buckets, (std::vector<std::uint64_t>{1, 1, 1, 1}));
  EXPECT_EQ(totals.count, 4u);
  EXPECT_EQ(totals.sum, 110u);
}

TEST(AppMetrics, RefusesANameThatIsNotAPrometheusName) {
  AppMetrics metrics(1);
  for (const char* bad : {"", "9lives", "Visits", "a-b", "a b"}) {
    Result<AppCounter*> counter = metrics.AddCounter(bad, "");
    ASSERT_FALSE(counter.ok()) << bad;
    EXPECT_EQ(counter.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(counter.status().message().find("[a-z_][a-z0-9_]*"),
              std::string::npos);
  }
}

TEST(AppMetrics, RefusesANameRegisteredTwice) {
  AppMetrics metrics(1);
  ASSERT_TRUE(metrics.AddCounter("visits_total", "").ok());
  Result<AppHistogram*> again =
      metrics.AddHistogram("visits_total", "", {1, 2});
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("registered already"),
            std::string::npos);
}

TEST(AppMetrics, RefusesBoundsThatAreEmptyTooManyOrNotAscending) {
  AppMetrics metrics(1);
  EXPECT_FALSE(metrics.AddHistogram("a", "", {}).ok());
  EXPECT_FALSE(
      metrics.AddHistogram("b", "", std::vector<std::uint64_t>(17, 1)).ok());
  Result<AppHistogram*> unordered = metrics.AddHistogram("c", "", {4, 2});
  ASSERT_FALSE(unordered.ok());
  EXPECT_NE(unordered.status().message().find("strictly ascending"),
            std::string::npos);
  EXPECT_FALSE(metrics.AddHistogram("d", "", {2, 2}).ok());
  EXPECT_TRUE(metrics.AddHistogram("e", "", {1, 2}).ok());
}

}  // namespace
}  // namespace twelve::metrics
