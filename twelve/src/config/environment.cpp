// The one place in the codebase that reads the process environment (factor
// III): everything else receives a snapshot, so tests pass their own.
#include "twelve/config/settings.hpp"

extern char** environ;  // POSIX; declared here so no feature macro is needed

namespace twelve {

Environment Environment::FromProcess() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;  // not NAME=VALUE
    // emplace keeps the first of duplicate names, as getenv() does.
    env.values_.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return env;
}

std::optional<std::string_view> Environment::Get(std::string_view name) const {
  const auto it = values_.find(name);
  // `PORT=` in a .env file means "use the default", not "an empty port".
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::vector<std::string_view> Environment::Names() const {
  std::vector<std::string_view> names;
  names.reserve(values_.size());
  for (const auto& [name, value] : values_) names.push_back(name);
  return names;
}

}  // namespace twelve
