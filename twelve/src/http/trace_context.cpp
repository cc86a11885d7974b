#include "twelve/http/trace_context.hpp"

#include <algorithm>

namespace twelve {
namespace {

// version "-" trace-id "-" parent-id "-" flags
constexpr std::size_t kVersion00Length = 2 + 1 + 32 + 1 + 16 + 1 + 2;

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// Copies `text` to `out` when it is all lowercase hex digits.
template <std::size_t N>
bool ReadHex(std::string_view text, std::array<char, N>& out) {
  if (!std::all_of(text.begin(), text.end(), IsLowerHex)) return false;
  std::copy(text.begin(), text.end(), out.begin());
  return true;
}

template <std::size_t N>
bool AllZeros(const std::array<char, N>& id) {
  return std::all_of(id.begin(), id.end(), [](char c) { return c == '0'; });
}

}  // namespace

std::optional<TraceParent> ParseTraceparent(std::string_view value) {
  if (value.size() < kVersion00Length) return std::nullopt;
  if (!IsLowerHex(value[0]) || !IsLowerHex(value[1])) return std::nullopt;
  TraceParent parsed;
  parsed.version =
      static_cast<std::uint8_t>(HexValue(value[0]) * 16 + HexValue(value[1]));
  if (parsed.version == 0xff) return std::nullopt;
  // Version 00 has exactly these fields; a later version may append its
  // own after a '-', which a version-00 reader skips.
  if (parsed.version == 0 && value.size() != kVersion00Length) {
    return std::nullopt;
  }
  if (value.size() > kVersion00Length && value[kVersion00Length] != '-') {
    return std::nullopt;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') {
    return std::nullopt;
  }
  if (!ReadHex(value.substr(3, 32), parsed.trace_id) ||
      !ReadHex(value.substr(36, 16), parsed.parent_id) ||
      !IsLowerHex(value[53]) || !IsLowerHex(value[54])) {
    return std::nullopt;
  }
  if (AllZeros(parsed.trace_id) || AllZeros(parsed.parent_id)) {
    return std::nullopt;
  }
  parsed.flags =
      static_cast<std::uint8_t>(HexValue(value[53]) * 16 + HexValue(value[54]));
  return parsed;
}

}  // namespace twelve
