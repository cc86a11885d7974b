#include "metrics/prometheus_text.hpp"

#include <charconv>
#include <cmath>

namespace twelve::metrics {
namespace {

// Label values escape backslash, double quote and line feed; HELP text
// backslash and line feed.
void AppendEscaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendLabel(std::string& out, const Label& label, bool& first) {
  out += first ? '{' : ',';
  first = false;
  out += label.first;
  out += "=\"";
  AppendEscaped(out, label.second, true);
  out += '"';
}

}  // namespace

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Plain decimals where they stay short (a start time reads
  // "1796562022.15", not "1.79656202215e+09"), exponents beyond.
  const double magnitude = std::fabs(value);
  const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  char buffer[64];
  auto result = std::to_chars(
      buffer, buffer + sizeof buffer, value,
      plain ? std::chars_format::fixed : std::chars_format::general);
  return std::string(buffer, result.ptr);
}

void PrometheusText::Family(std::string_view name, std::string_view type,
                            std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  AppendEscaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusText::Begin(std::string_view name, std::string_view suffix,
                           std::initializer_list<Label> labels,
                           const Label* extra) {
  out_ += name;
  out_ += suffix;
  bool first = true;
  for (const Label& label : labels) AppendLabel(out_, label, first);
  if (extra != nullptr) AppendLabel(out_, *extra, first);
  if (!first) out_ += '}';
  out_ += ' ';
}

void PrometheusText::Sample(std::string_view name,
                            std::initializer_list<Label> labels,
                            std::uint64_t value) {
  Begin(name, "", labels, nullptr);
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusText::Sample(std::string_view name,
                            std::initializer_list<Label> labels, double value) {
  Begin(name, "", labels, nullptr);
  out_ += FormatDouble(value);
  out_ += '\n';
}

void PrometheusText::Histogram(std::string_view name,
                               std::initializer_list<Label> labels,
                               const HistogramTotals& totals, double divisor) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < totals.buckets.size(); ++i) {
    cumulative += totals.buckets[i];
    const std::string le =
        i < totals.bounds.size()
            ? FormatDouble(static_cast<double>(totals.bounds[i]) / divisor)
            : "+Inf";
    const Label bound{"le", le};
    Begin(name, "_bucket", labels, &bound);
    out_ += std::to_string(cumulative);
    out_ += '\n';
  }
  Begin(name, "_sum", labels, nullptr);
  out_ += FormatDouble(static_cast<double>(totals.sum) / divisor);
  out_ += '\n';
  Begin(name, "_count", labels, nullptr);
  out_ += std::to_string(cumulative);
  out_ += '\n';
}

}  // namespace twelve::metrics
