#pragma once
// Setting typos: an environment variable that is not a setting but looks
// like one (WEB_THREAD, DATABASE_ULR, REDIS_URI) is most likely a setting
// the operator meant to set, silently ignored. `doctor` shows each one, and
// `serve` warns of each one at start.
//
// "Looks like": at most two edits apart (a letter added, dropped, changed,
// or two neighbours swapped), and of the same family: the same first three
// characters, so PATH never resembles PORT. Names of four characters or
// fewer allow one edit only (BIND vs BINS, not HOME vs PORT). Only names
// near a setting are reported, never every unknown variable: a process's
// environment holds many that are none of the app's business.

#include <string>
#include <vector>

#include "twelve/config/settings.hpp"

namespace twelve {

struct SettingTypo {
  std::string variable;  // as set in the environment
  std::string setting;   // the setting it resembles
};

// The variables of `env` that resemble a setting of `table` without being
// one, each with the closest setting; in the environment's order.
std::vector<SettingTypo> FindSettingTypos(const Environment& env,
                                          const SettingsTable& table);

// Optimal string alignment distance (Damerau-Levenshtein where no substring
// is edited twice): insertions, deletions, substitutions, adjacent swaps.
std::size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace twelve
