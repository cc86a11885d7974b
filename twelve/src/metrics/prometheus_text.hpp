#pragma once
// PrometheusText: writes the Prometheus text exposition format (version
// 0.0.4), the body of /metrics: a family's # HELP and # TYPE lines, then its
// samples, label values escaped.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "metrics/histogram.hpp"

namespace twelve::metrics {

using Label = std::pair<std::string_view, std::string_view>;

class PrometheusText {
 public:
  static constexpr std::string_view kContentType =
      "text/plain; version=0.0.4; charset=utf-8";

  // Starts a family: `type` is "counter", "gauge" or "histogram".
  void Family(std::string_view name, std::string_view type,
              std::string_view help);
  void Sample(std::string_view name, std::initializer_list<Label> labels,
              std::uint64_t value);
  void Sample(std::string_view name, std::initializer_list<Label> labels,
              double value);
  // The _bucket (cumulative, le="..."), _sum and _count series of one
  // histogram; bounds and sum are divided by `divisor` (1e9: nanoseconds
  // to seconds; a division keeps 100'000 / 1e9 exactly "0.0001").
  void Histogram(std::string_view name, std::initializer_list<Label> labels,
                 const HistogramTotals& totals, double divisor);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Begin(std::string_view name, std::string_view suffix,
             std::initializer_list<Label> labels, const Label* extra);
  std::string out_;
};

// "1", "0.25", "1e+20": the shortest text that reads back as `value`,
// without an exponent from 1e-6 to 1e15.
std::string FormatDouble(double value);

}  // namespace twelve::metrics
