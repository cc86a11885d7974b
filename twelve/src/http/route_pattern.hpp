#pragma once
// Route patterns ("/notes/{id}"): checked once at registration, matched
// against request paths by the Router.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/http/router.hpp"

namespace twelve {

// True when `path` holds a brace, so it is meant as a pattern.
bool IsRoutePattern(std::string_view path);

// The pattern's segments after its leading '/' ("/notes/{id}" gives "notes",
// "{id}"). Throws std::invalid_argument naming the pattern for an empty
// `{}`, a parameter name twice, a name other than letters, digits and '_',
// or a brace that does not make a whole `{name}` segment.
std::vector<std::string> SplitRoutePattern(const std::string& pattern);

// True when the two patterns match the same paths: as many segments, the
// same literals, parameters at the same places (whatever their names).
bool SameRouteShape(std::span<const std::string> a,
                    std::span<const std::string> b);

enum class PatternMatch { kNo, kYes, kMalformedEscape };

// Matches `path` against a pattern's segments. On kYes, `storage` holds the
// parameters: values without '%' point into `path`, decoded ones into
// `storage.decoded`; names point into `segments`.
PatternMatch MatchRoutePattern(std::span<const std::string> segments,
                               std::string_view path,
                               PathParamStorage& storage);

}  // namespace twelve
