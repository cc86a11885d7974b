#pragma once
// Config in the environment (factor III): one declarative table of settings.
//
// Each Setting names an environment variable, its type, default, bounds,
// secrecy and a one-line doc. SettingsTable::Parse() is the only code in the
// kit that reads the environment; it validates every setting and returns all
// errors together, each naming the variable, its value (masked when secret)
// and what was expected. The parsed Settings are immutable.
//
// An empty value counts as unset (so `PORT=` in a .env file means "default").
// Durations: "250ms", "10s", "2m"; a bare number is seconds.
// Byte sizes: a bare number of bytes, or with KiB, MiB or GiB.
// Store URLs (factor IV) are parsed here, once (ParseStoreUrl), and read
// back whole: Settings::Url() hands out the parsed StoreUrl, so an app never
// parses the text again.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "twelve/backing/store_url.hpp"
#include "twelve/status.hpp"

namespace twelve {

enum class SettingType {
  kString,
  kInteger,
  kDuration,
  kBytes,
  kChoice,
  kStoreUrl,  // a backing store's URL: its password is never shown
};

enum class Secrecy {
  kPublic,       // shown as is
  kSecret,       // shown as "********"
  kUrlPassword,  // a URL whose password is shown as "********"
};

// Written with designated initializers ({.name = "PORT", ...}); every member
// has a default member initializer so that leaving one out does not trip
// -Wmissing-field-initializers.
struct Setting {
  std::string name{};  // the environment variable, e.g. "PORT"
  SettingType type = SettingType::kString;
  // Used when the variable is unset. nullopt: the setting is optional and
  // Settings::Has() is false when it is unset.
  std::optional<std::string> default_value{};
  // Bounds for kInteger (the value), kDuration (milliseconds) and kBytes.
  std::int64_t min = INT64_MIN;
  std::int64_t max = INT64_MAX;
  std::vector<std::string> choices{};  // for kChoice
  // For kStoreUrl: the kinds of store the setting may name (empty: any).
  std::vector<StoreUrl::Kind> store_kinds{};
  Secrecy secrecy = Secrecy::kPublic;
  std::string doc{};          // one line, for docs/config.md and .env.example
  std::string default_doc{};  // shown instead of default_value in docs,
                              // e.g. "the CPUs this process may use"
  // Extra validation of a kString value: OK when valid, otherwise
  // kInvalidArgument saying what was expected ("a URL such as
  // redis://host:6379"), which the error shows after "expected".
  std::function<Status(std::string_view)> validate{};
};

// A snapshot of environment variables. FromProcess() is the one call that
// reads the real environment.
class Environment {
 public:
  Environment() = default;
  explicit Environment(const std::map<std::string, std::string>& values)
      : values_(values.begin(), values.end()) {}
  // For Environment({{"PORT", "8080"}}): without it a single pair is
  // ambiguous with std::map's iterator-range constructor.
  Environment(
      std::initializer_list<std::pair<const std::string, std::string>> values)
      : values_(values) {}
  static Environment FromProcess();

  // The value, or nullopt when unset or empty.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Every variable's name, set or empty, in order.
  std::vector<std::string_view> Names() const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

struct SettingError {
  std::string name;
  std::string shown_value;  // masked when the setting is secret
  std::string expected;     // "an integer from 1 to 65535"
  // "PORT=\"70000\": expected an integer from 1 to 65535"
  std::string ToString() const;
};

// The parsed, validated values. Accessors take the setting's name; asking for
// a name that is not in the table, or with the wrong type, is a bug and
// throws std::logic_error.
class Settings {
 public:
  bool Has(std::string_view name) const;
  const std::string& String(std::string_view name) const;
  std::int64_t Integer(std::string_view name) const;
  std::chrono::milliseconds Duration(std::string_view name) const;
  std::uint64_t Bytes(std::string_view name) const;
  // A kStoreUrl setting, parsed and of one of the kinds the table allows.
  const StoreUrl& Url(std::string_view name) const;

  struct Shown {
    std::string name;
    std::string value;  // masked when secret; "" when unset
    bool is_default = false;
  };
  // Every setting in table order, as safe to print or log.
  const std::vector<Shown>& Effective() const { return shown_; }

 private:
  friend class SettingsTable;
  using Value = std::variant<std::string, std::int64_t, StoreUrl>;
  const Value* Find(std::string_view name, SettingType type) const;

  std::map<std::string, std::pair<SettingType, Value>, std::less<>> values_;
  std::vector<Shown> shown_;
};

class SettingsTable {
 public:
  // Adds a setting; a second setting with the same name is a bug (throws
  // std::logic_error).
  SettingsTable& Add(Setting setting);
  const std::vector<Setting>& settings() const { return settings_; }

  // Either every value parsed, or every error found (never just the first).
  std::variant<Settings, std::vector<SettingError>> Parse(
      const Environment& env) const;

  // docs/config.md and .env.example, generated from the table.
  std::string RenderMarkdown() const;
  std::string RenderEnvExample() const;

 private:
  std::vector<Setting> settings_;
};

// "redis://user:********@host:6379/0" for "redis://user:pw@host:6379/0".
// Returns the input unchanged when it holds no password.
std::string MaskUrlPassword(std::string_view url);

}  // namespace twelve
