#include "config/setting_values.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <span>
#include <system_error>

namespace twelve {
namespace {

constexpr std::int64_t kNoMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();

struct Unit {
  std::string_view suffix;
  std::int64_t factor;
};

// Largest first: formatting takes the first unit that divides exactly.
constexpr Unit kDurationUnits[] = {
    {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
constexpr Unit kByteUnits[] = {{"GiB", std::int64_t{1} << 30},
                               {"MiB", std::int64_t{1} << 20},
                               {"KiB", std::int64_t{1} << 10}};

// Digits, then nothing (scaled by `bare_factor`) or one of `units`.
std::optional<std::int64_t> ParseScaled(std::string_view text,
                                        std::span<const Unit> units,
                                        std::int64_t bare_factor) {
  const auto digits = static_cast<std::size_t>(
      std::find_if(text.begin(), text.end(),
                   [](char c) { return c < '0' || c > '9'; }) -
      text.begin());
  if (digits == 0) return std::nullopt;  // also rejects signs and spaces
  std::int64_t factor = bare_factor;
  if (const std::string_view suffix = text.substr(digits); !suffix.empty()) {
    const auto unit =
        std::find_if(units.begin(), units.end(),
                     [&](const Unit& u) { return u.suffix == suffix; });
    if (unit == units.end()) return std::nullopt;
    factor = unit->factor;
  }
  const std::optional<std::int64_t> number =
      ParseInteger(text.substr(0, digits));
  if (!number || *number > kNoMax / factor) return std::nullopt;
  return *number * factor;
}

std::string FormatScaled(std::int64_t value, std::span<const Unit> units) {
  for (const Unit& unit : units) {
    if (value % unit.factor == 0) {
      return std::to_string(value / unit.factor) + std::string(unit.suffix);
    }
  }
  return std::to_string(value);
}

// "from 1 to 65535", "at least 1", "at most 9", or "" when unbounded.
template <typename Format>
std::string DescribeRange(std::int64_t min, std::int64_t max, bool has_min,
                          Format format) {
  const bool has_max = max != kNoMax;
  if (has_min && has_max) return "from " + format(min) + " to " + format(max);
  if (has_min) return "at least " + format(min);
  if (has_max) return "at most " + format(max);
  return "";
}

std::string Join(std::string text, std::string_view separator,
                 const std::string& range) {
  if (!range.empty()) text += std::string(separator) + range;
  return text;
}

}  // namespace

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::optional<std::int64_t> ms =
      ParseScaled(text, kDurationUnits, 1000);
  if (!ms) return std::nullopt;
  return std::chrono::milliseconds(*ms);
}

std::optional<std::int64_t> ParseBytes(std::string_view text) {
  return ParseScaled(text, kByteUnits, 1);
}

std::string FormatDuration(std::int64_t milliseconds) {
  if (milliseconds == 0) return "0s";
  return FormatScaled(milliseconds, kDurationUnits);
}

std::string FormatBytes(std::int64_t bytes) {
  if (bytes == 0) return "0";
  return FormatScaled(bytes, kByteUnits);
}

std::string DescribeInteger(std::int64_t min, std::int64_t max) {
  const auto format = [](std::int64_t v) { return std::to_string(v); };
  const bool has_min = min != kNoMin;
  // "an integer from 1 to 9", but "an integer, at least 1".
  const bool both = has_min && max != kNoMax;
  return Join("an integer", both ? " " : ", ",
              DescribeRange(min, max, has_min, format));
}

// Durations and sizes are never negative, so a lower bound of 0 or less is
// only worth stating next to an upper one ("from 0s to 5m", not "at least
// 0s").
std::string DescribeDuration(std::int64_t min_ms, std::int64_t max_ms) {
  min_ms = std::max<std::int64_t>(min_ms, 0);
  return Join("a duration such as 500ms, 10s or 2m", ", ",
              DescribeRange(min_ms, max_ms, min_ms > 0 || max_ms != kNoMax,
                            FormatDuration));
}

std::string DescribeBytes(std::int64_t min, std::int64_t max) {
  min = std::max<std::int64_t>(min, 0);
  return Join("a size in bytes such as 65536, 64KiB or 1MiB", ", ",
              DescribeRange(min, max, min > 0 || max != kNoMax, FormatBytes));
}

std::string DescribeChoice(const std::vector<std::string>& choices) {
  std::string text = "one of: ";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) text += ", ";
    text += choices[i];
  }
  return text;
}

std::string DescribeStoreUrl(const std::vector<StoreUrl::Kind>& kinds) {
  static const std::vector<StoreUrl::Kind> kAny = {StoreUrl::Kind::kRedis,
                                                   StoreUrl::Kind::kPostgres,
                                                   StoreUrl::Kind::kSqlite};
  const std::vector<StoreUrl::Kind>& shown = kinds.empty() ? kAny : kinds;
  std::string text;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    if (i > 0) text += " or ";
    text += StoreUrlForm(shown[i]);
  }
  return text;
}

}  // namespace twelve
