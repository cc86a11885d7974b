#pragma once
// How configuration is shown: the "starting" event, `<app> config`, and the
// errors that stop a process with exit code 78. Secrets are already masked
// by Settings::Effective() and SettingError.

#include <ostream>
#include <string>
#include <vector>

#include "twelve/config/kit_config.hpp"
#include "twelve/config/settings.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve {

// One "invalid setting" error event per error on stdout, and the same in
// plain words on stderr, for whoever reads either.
void ReportSettingErrors(LogSink& sink,
                         const std::vector<SettingError>& errors);

// The process's environment, parsed and checked: what `serve` and every task
// start from.
struct LoadedConfig {
  Settings settings;
  KitConfig kit;
};

// Parses the environment with `table`. On errors, reports them all to `sink`
// (ReportSettingErrors) and returns kInvalidArgument: the caller exits
// ExitCodeFor() it, 78.
Result<LoadedConfig> LoadConfigOrReport(const SettingsTable& table,
                                        LogSink& sink);

// The "starting" event: app, version, commit, pid and every setting.
void LogStarting(const Logger& log, const std::string& app_name,
                 const Settings& settings);

// `<app> config`: NAME=value lines, defaults marked.
void PrintEffectiveConfig(std::ostream& out, const Settings& settings);

}  // namespace twelve
