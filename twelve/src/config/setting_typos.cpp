#include "config/setting_typos.hpp"

#include <algorithm>
#include <limits>

namespace twelve {
namespace {

constexpr std::size_t kFamilyPrefix = 3;
constexpr std::size_t kShortName = 4;

bool SameFamily(std::string_view a, std::string_view b) {
  return a.size() >= kFamilyPrefix && b.size() >= kFamilyPrefix &&
         a.substr(0, kFamilyPrefix) == b.substr(0, kFamilyPrefix);
}

std::size_t MaxEdits(std::string_view variable, std::string_view setting) {
  return std::min(variable.size(), setting.size()) <= kShortName ? 1 : 2;
}

}  // namespace

std::size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme: the swap looks two rows back.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1),
      current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min(
          {previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    before.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

std::vector<SettingTypo> FindSettingTypos(const Environment& env,
                                          const SettingsTable& table) {
  std::vector<SettingTypo> typos;
  const std::vector<Setting>& settings = table.settings();
  for (std::string_view variable : env.Names()) {
    const bool known =
        std::any_of(settings.begin(), settings.end(),
                    [&](const Setting& s) { return s.name == variable; });
    if (known) continue;
    const Setting* closest = nullptr;
    std::size_t best = std::numeric_limits<std::size_t>::max();
    for (const Setting& setting : settings) {
      if (!SameFamily(variable, setting.name)) continue;
      const std::size_t distance = EditDistance(variable, setting.name);
      if (distance <= MaxEdits(variable, setting.name) && distance < best) {
        best = distance;
        closest = &setting;
      }
    }
    if (closest != nullptr) {
      typos.push_back({std::string(variable), closest->name});
    }
  }
  return typos;
}

}  // namespace twelve
