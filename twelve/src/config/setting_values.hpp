#pragma once
// How a setting's text becomes a value, and how the kit describes what it
// expects. Private to the kit: SettingsTable uses these for parsing, error
// messages and the generated docs, so all three always agree.
//
// Every parser reads the whole text strictly: no surrounding spaces, no '+',
// no trailing junk; nullopt means "not a valid value" (the caller decides how
// to report it). Bounds are checked by the caller, not here.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/backing/store_url.hpp"

namespace twelve {

// A base-10 integer, optionally negative: "5000", "-1".
std::optional<std::int64_t> ParseInteger(std::string_view text);

// "250ms", "10s", "2m", "1h"; a bare number is seconds. Never negative.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// A bare number of bytes, or one with a KiB, MiB or GiB suffix: "65536",
// "64KiB", "1MiB". Never negative.
std::optional<std::int64_t> ParseBytes(std::string_view text);

// In the largest unit that is exact: 300000 -> "5m", 1500 -> "1500ms",
// 0 -> "0s".
std::string FormatDuration(std::int64_t milliseconds);

// In the largest of KiB, MiB, GiB that is exact: 16384 -> "16KiB",
// 1000 -> "1000".
std::string FormatBytes(std::int64_t bytes);

// What a value must look like, for errors and docs, e.g.
// "an integer from 1 to 65535". INT64_MIN / INT64_MAX mean "no bound".
std::string DescribeInteger(std::int64_t min, std::int64_t max);
std::string DescribeDuration(std::int64_t min_ms, std::int64_t max_ms);
std::string DescribeBytes(std::int64_t min, std::int64_t max);
std::string DescribeChoice(const std::vector<std::string>& choices);
// The forms of the store URLs `kinds` allows (any kind when empty), joined
// by "or".
std::string DescribeStoreUrl(const std::vector<StoreUrl::Kind>& kinds);

}  // namespace twelve
