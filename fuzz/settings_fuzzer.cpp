// Fuzz target (e): settings values of every type, and the whole environment
// table: the kit's settings (twelve/config/kit_config.hpp) and welcome's
// (REDIS_URL, DATABASE_URL, STORE_*), parsed from a fuzzed environment through
// Environment's map constructor, the seam that keeps the process's own
// environment out of it. The input is laid out as a process's environment
// block: NAME=VALUE records separated by NUL bytes.
//
// Every value also goes through each value parser directly
// (setting_values.hpp), whose formatted results must read back the same.
//
// Invariants, beyond the sanitizers: a refused environment gets one error
// per bad variable, naming a variable of the table and what was expected,
// printable on one line; an accepted one gives values within their bounds,
// KitConfigFrom() and welcome's readers never throw, and a URL setting's
// password never shows (fuzz/other_password.hpp).

#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "config/config_report.hpp"
#include "config/setting_values.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/other_password.hpp"
#include "settings.hpp"  // welcome's
#include "twelve/config/kit_config.hpp"
#include "twelve/config/settings.hpp"

namespace twelve::fuzz {
namespace {

class NullSink final : public LogSink {
 public:
  void Write(std::string_view) override {}
  void Flush() override {}
};

const SettingsTable& Table() {
  static const SettingsTable* table = [] {
    auto* t = new SettingsTable();
    AddKitSettings(*t);
    welcome::AddSettings(*t);
    return t;
  }();
  return *table;
}

// Each parser on its own; a value it accepts, formatted, reads back.
void CheckValue(std::string_view text) {
  if (auto integer = ParseInteger(text)) {
    Require(ParseInteger(std::to_string(*integer)) == integer,
            "an integer reads back");
  }
  if (auto duration = ParseDuration(text)) {
    Require(duration->count() >= 0, "a duration is never negative");
    Require(ParseDuration(FormatDuration(duration->count())) == duration,
            "a formatted duration reads back");
    (void)DescribeDuration(0, duration->count());
  }
  if (auto bytes = ParseBytes(text)) {
    Require(*bytes >= 0, "a byte size is never negative");
    Require(ParseBytes(FormatBytes(*bytes)) == bytes,
            "a formatted byte size reads back");
    (void)DescribeBytes(0, *bytes);
  }
}

std::map<std::string, std::string> Records(std::string_view block) {
  std::map<std::string, std::string> env;
  while (!block.empty()) {
    std::size_t end = block.find('\0');
    std::string_view record = block.substr(0, end);
    block = end == std::string_view::npos ? "" : block.substr(end + 1);
    std::size_t equals = record.find('=');
    if (equals == std::string_view::npos) continue;
    // The first of duplicate names wins, as in Environment::FromProcess().
    env.emplace(record.substr(0, equals), record.substr(equals + 1));
  }
  return env;
}

void CheckErrors(const std::vector<SettingError>& errors) {
  std::set<std::string> named;
  for (const SettingError& error : errors) {
    Require(named.insert(error.name).second, "one error per variable");
    bool known = false;
    for (const Setting& setting : Table().settings()) {
      known = known || setting.name == error.name;
    }
    Require(known, "an error names a variable of the table");
    std::string line = error.ToString();
    Require(line.starts_with(error.name) && !error.expected.empty() &&
                line.find(": expected ") != std::string::npos,
            "an error says what was expected");
    for (char c : line) {
      Require(static_cast<unsigned char>(c) >= 0x20 || c == '\t',
              "an error prints on one line");
    }
  }
}

void CheckBounds(const Settings& settings) {
  for (const Setting& setting : Table().settings()) {
    if (!settings.Has(setting.name)) continue;
    std::int64_t value = 0;
    switch (setting.type) {
      case SettingType::kInteger:
        value = settings.Integer(setting.name);
        break;
      case SettingType::kDuration:
        value = settings.Duration(setting.name).count();
        break;
      case SettingType::kBytes:
        value = static_cast<std::int64_t>(settings.Bytes(setting.name));
        break;
      default:
        continue;
    }
    Require(value >= setting.min && value <= setting.max,
            "a value is within its bounds");
  }
}

void CheckAccepted(const Settings& settings) {
  CheckBounds(settings);
  KitConfig kit = KitConfigFrom(settings);
  Require(kit.server.port >= 1 && kit.server.threads >= 1,
          "the kit's config is usable");
  Result<StoreUrl> store = welcome::ChooseStore(settings);
  Require(store.ok() ||
              (!settings.Has("REDIS_URL") && !settings.Has("DATABASE_URL")),
          "a URL the table accepted attaches a store");
  (void)twelve::StoreOptionsFrom(settings);
  NullSink sink;
  Logger log(sink, LogLevel::kDebug, LogFormat::kJson);
  LogStarting(log, "welcome", settings);
  std::ostringstream printed;
  PrintEffectiveConfig(printed, settings);
}

// Everything the table lets a process show: the errors, or the effective
// settings.
std::string Shown(const std::variant<Settings, std::vector<SettingError>>& r) {
  std::string shown;
  if (const auto* errors = std::get_if<std::vector<SettingError>>(&r)) {
    for (const SettingError& error : *errors) shown += error.ToString() + "\n";
  } else {
    for (const auto& s : std::get<Settings>(r).Effective()) {
      shown += s.name + "=" + s.value + "\n";
    }
  }
  return shown;
}

void Check(std::string_view block) {
  std::map<std::string, std::string> env = Records(block);
  for (const auto& [name, value] : env) CheckValue(value);
  auto parsed = Table().Parse(Environment(env));
  if (const auto* errors = std::get_if<std::vector<SettingError>>(&parsed)) {
    CheckErrors(*errors);
  } else {
    CheckAccepted(std::get<Settings>(parsed));
  }
  for (const char* name : {"REDIS_URL", "DATABASE_URL"}) {
    auto it = env.find(name);
    if (it == env.end()) continue;
    auto other = WithOtherPassword(it->second);
    if (!other) continue;
    std::map<std::string, std::string> changed = env;
    changed[name] = *other;
    Require(Shown(parsed) == Shown(Table().Parse(Environment(changed))),
            "nothing shown of a URL setting depends on its password");
  }
}

}  // namespace
}  // namespace twelve::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  twelve::fuzz::Check(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
