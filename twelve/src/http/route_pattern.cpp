#include "http/route_pattern.hpp"

#include <algorithm>
#include <stdexcept>

#include "http/percent_decoding.hpp"

namespace twelve {
namespace {

bool IsParamSegment(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

std::string_view ParamName(std::string_view segment) {
  return segment.substr(1, segment.size() - 2);
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

[[noreturn]] void Refuse(const std::string& pattern, const std::string& why) {
  throw std::invalid_argument("route pattern '" + pattern + "': " + why);
}

void CheckSegment(const std::string& pattern, std::string_view segment,
                  const std::vector<std::string>& earlier) {
  if (!IsParamSegment(segment)) {
    if (segment.find_first_of("{}") != std::string_view::npos) {
      Refuse(pattern,
             "a brace must make a whole segment such as '/{id}', "
             "found '" +
                 std::string(segment) + "'");
    }
    return;
  }
  const std::string_view name = ParamName(segment);
  if (name.empty()) Refuse(pattern, "empty parameter name '{}'");
  if (!std::all_of(name.begin(), name.end(), IsNameChar)) {
    Refuse(pattern, "parameter name '" + std::string(name) +
                        "' must be letters, digits and '_'");
  }
  if (std::find(earlier.begin(), earlier.end(), segment) != earlier.end()) {
    Refuse(pattern, "parameter '" + std::string(name) + "' appears twice");
  }
}

// The next segment of `path` from `pos` (just after a '/'), and where the
// one after it starts (npos after the last).
std::string_view NextSegment(std::string_view path, std::size_t& pos) {
  const std::size_t end = path.find('/', pos);
  std::string_view segment = path.substr(
      pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  pos = end == std::string_view::npos ? end : end + 1;
  return segment;
}

// Decodes the values that hold a '%' into `storage.decoded`, once the whole
// path has matched (a malformed escape in a path of another shape is no
// match, not an error).
bool DecodeValues(std::size_t path_size, PathParamStorage& storage) {
  storage.decoded.clear();
  // Decoding never lengthens a value, so the decoded values of one path fit
  // in its size: reserved up front, the views into it stay valid.
  storage.decoded.reserve(path_size);
  for (PathParam& param : storage.params) {
    if (param.value.find('%') == std::string_view::npos) continue;
    const std::size_t start = storage.decoded.size();
    if (!AppendPercentDecoded(param.value, PlusIs::kPlus, storage.decoded)) {
      return false;
    }
    param.value = std::string_view(storage.decoded).substr(start);
  }
  return true;
}

}  // namespace

bool IsRoutePattern(std::string_view path) {
  return path.find_first_of("{}") != std::string_view::npos;
}

std::vector<std::string> SplitRoutePattern(const std::string& pattern) {
  std::vector<std::string> segments;
  std::string_view rest(pattern);
  std::size_t pos = 1;  // after the leading '/', checked by the Router
  while (pos != std::string_view::npos) {
    std::string_view segment = NextSegment(rest, pos);
    CheckSegment(pattern, segment, segments);
    segments.emplace_back(segment);
  }
  return segments;
}

bool SameRouteShape(std::span<const std::string> a,
                    std::span<const std::string> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const std::string& x, const std::string& y) {
                      return IsParamSegment(x) ? IsParamSegment(y) : x == y;
                    });
}

PatternMatch MatchRoutePattern(std::span<const std::string> segments,
                               std::string_view path,
                               PathParamStorage& storage) {
  if (path.empty() || path.front() != '/') return PatternMatch::kNo;
  storage.params.clear();
  std::size_t pos = 1;
  for (const std::string& expected : segments) {
    if (pos == std::string_view::npos) return PatternMatch::kNo;
    const std::string_view segment = NextSegment(path, pos);
    if (!IsParamSegment(expected)) {
      if (segment != expected) return PatternMatch::kNo;
    } else if (segment.empty()) {
      return PatternMatch::kNo;
    } else {
      storage.params.push_back(PathParam{ParamName(expected), segment});
    }
  }
  if (pos != std::string_view::npos) return PatternMatch::kNo;
  return DecodeValues(path.size(), storage) ? PatternMatch::kYes
                                            : PatternMatch::kMalformedEscape;
}

}  // namespace twelve
