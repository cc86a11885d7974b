#include "metrics/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <thread>

#include "metrics/histogram.hpp"

namespace twelve::metrics {
namespace {

TEST(PrometheusText, WritesHelpTypeAndSamples) {
  PrometheusText out;
  out.Family("jobs_total", "counter", "Jobs done.");
  out.Sample("jobs_total", {{"queue", "a"}, {"kind", "b"}}, std::uint64_t{3});
  out.Sample("jobs_total", {}, std::uint64_t{4});
  EXPECT_EQ(out.text(),
            "# HELP jobs_total Jobs done.\n"
            "# TYPE jobs_total counter\n"
            "jobs_total{queue=\"a\",kind=\"b\"} 3\n"
            "jobs_total 4\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  PrometheusText out;
  out.Family("x", "gauge", "a \\ b\nc \"q\"");
  out.Sample("x", {{"path", "a\"b\\c\nd"}}, 1.5);
  EXPECT_EQ(out.text(),
            "# HELP x a \\\\ b\\nc \"q\"\n"
            "# TYPE x gauge\n"
            "x{path=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

TEST(PrometheusText, HistogramBucketsAreCumulativeAndScaled) {
  static constexpr std::array<std::uint64_t, 2> kBounds = {500'000'000,
                                                           1'000'000'000};
  LocalHistogram histogram(kBounds);
  histogram.Observe(100'000'000);    // 0.1 s
  histogram.Observe(700'000'000);    // 0.7 s
  histogram.Observe(3'000'000'000);  // 3 s: +Inf
  HistogramTotals totals(kBounds);
  histogram.AddTo(totals);
  PrometheusText out;
  out.Histogram("d", {{"route", "/"}}, totals, 1e9);
  EXPECT_EQ(out.text(),
            "d_bucket{route=\"/\",le=\"0.5\"} 1\n"
            "d_bucket{route=\"/\",le=\"1\"} 2\n"
            "d_bucket{route=\"/\",le=\"+Inf\"} 3\n"
            "d_sum{route=\"/\"} 3.8\n"
            "d_count{route=\"/\"} 3\n");
}

TEST(PrometheusText, FormatsNumbersWithoutNeedlessExponents) {
  EXPECT_EQ(FormatDouble(0.0001), "0.0001");
  EXPECT_EQ(FormatDouble(1796562022.15), "1796562022.15");
  EXPECT_EQ(FormatDouble(0), "0");
  EXPECT_EQ(FormatDouble(1e20), "1e+20");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(LocalCounter, SumsAcrossOwnersReadFromAnotherThread) {
  LocalCounter a, b;
  std::thread ta([&] {
    for (int i = 0; i < 100000; ++i) a.Add(1);
  });
  std::thread tb([&] {
    for (int i = 0; i < 100000; ++i) b.Add(2);
  });
  ta.join();
  tb.join();
  EXPECT_EQ(a.Read() + b.Read(), 300000u);
}

}  // namespace
}  // namespace twelve::metrics
