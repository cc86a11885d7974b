#include "config/config_report.hpp"

#include <unistd.h>

#include <iostream>
#include <utility>
#include <variant>

#include "twelve/build_info.hpp"

namespace twelve {
namespace {

Status Invalid(const std::vector<SettingError>& errors) {
  return Status::InvalidArgument(std::to_string(errors.size()) +
                                 " invalid settings (reported)");
}

}  // namespace

void ReportSettingErrors(LogSink& sink,
                         const std::vector<SettingError>& errors) {
  // LOG_LEVEL and LOG_FORMAT may be among the errors: use the defaults.
  Logger log(sink, LogLevel::kInfo, LogFormat::kJson);
  for (const SettingError& error : errors) {
    log.Error("invalid setting", {{"variable", error.name},
                                  {"value", error.shown_value},
                                  {"expected", error.expected}});
    std::cerr << "config error: " << error.ToString() << "\n";
  }
  log.Error("invalid configuration",
            {{"errors", static_cast<unsigned long>(errors.size())},
             {"exit_code", 78}});
  sink.Flush();
}

Result<LoadedConfig> LoadConfigOrReport(const SettingsTable& table,
                                        LogSink& sink) {
  auto parsed = table.Parse(Environment::FromProcess());
  if (auto* errors = std::get_if<std::vector<SettingError>>(&parsed)) {
    ReportSettingErrors(sink, *errors);
    return Invalid(*errors);
  }
  Settings& settings = std::get<Settings>(parsed);
  KitConfig kit = KitConfigFrom(settings);
  if (std::vector<SettingError> errors = CheckKitConfig(kit); !errors.empty()) {
    ReportSettingErrors(sink, errors);
    return Invalid(errors);
  }
  return LoadedConfig{std::move(settings), std::move(kit)};
}

void LogStarting(const Logger& log, const std::string& app_name,
                 const Settings& settings) {
  const BuildInfo& build = GetBuildInfo();
  std::vector<Field> fields = {
      {"app", app_name},
      {"version", build.version},
      {"commit", build.commit},
      {"pid", static_cast<long long>(::getpid())},
  };
  for (const Settings::Shown& shown : settings.Effective()) {
    fields.emplace_back(shown.name, shown.value);
  }
  log.Log(LogLevel::kInfo, "starting", fields);
}

void PrintEffectiveConfig(std::ostream& out, const Settings& settings) {
  for (const Settings::Shown& shown : settings.Effective()) {
    out << shown.name << "=" << shown.value;
    if (shown.is_default) out << "  # default";
    out << "\n";
  }
}

}  // namespace twelve
