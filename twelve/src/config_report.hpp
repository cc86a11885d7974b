#pragma once
// How configuration is shown: the "starting" event, `<app> config`, and the
// errors that stop a process with exit code 78. Secrets are already masked
// by Settings::Effective() and SettingError.

#include <ostream>
#include <string>
#include <vector>

#include "twelve/log.hpp"
#include "twelve/settings.hpp"

namespace twelve {

// One "invalid setting" error event per error on stdout, and the same in
// plain words on stderr, for whoever reads either.
void ReportSettingErrors(LogSink& sink,
                         const std::vector<SettingError>& errors);

// The "starting" event: app, version, commit, pid and every setting.
void LogStarting(const Logger& log, const std::string& app_name,
                 const Settings& settings);

// `<app> config`: NAME=value lines, defaults marked.
void PrintEffectiveConfig(std::ostream& out, const Settings& settings);

}  // namespace twelve
