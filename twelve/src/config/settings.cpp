#include "twelve/config/settings.hpp"

#include <algorithm>
#include <stdexcept>

#include "config/setting_values.hpp"

namespace twelve {
namespace {

using Value = std::variant<std::string, std::int64_t, StoreUrl>;

constexpr std::string_view kMask = "********";
// Long values are cut in error messages: the start is enough to recognise
// them, and a stray multi-kilobyte variable should not flood the terminal.
constexpr std::size_t kMaxShownChars = 100;

// What `setting` accepts, as in "expected an integer from 1 to 65535". A
// string's validator words its own expectation when it rejects a value.
std::string Expected(const Setting& setting) {
  switch (setting.type) {
    case SettingType::kInteger:
      return DescribeInteger(setting.min, setting.max);
    case SettingType::kDuration:
      return DescribeDuration(setting.min, setting.max);
    case SettingType::kBytes:
      return DescribeBytes(setting.min, setting.max);
    case SettingType::kChoice:
      return DescribeChoice(setting.choices);
    case SettingType::kStoreUrl:
      return DescribeStoreUrl(setting.store_kinds);
    case SettingType::kString:
      break;
  }
  return setting.validate ? "see description" : "any text";
}

// A URL of one of the kinds `setting` allows, or kInvalidArgument: the
// parser's own words for a malformed URL, the allowed forms for another kind.
Result<Value> ParseStoreUrlValue(const Setting& setting,
                                 std::string_view text) {
  Result<StoreUrl> url = ParseStoreUrl(text);
  if (!url.ok()) return url.status();
  const std::vector<StoreUrl::Kind>& kinds = setting.store_kinds;
  if (!kinds.empty() &&
      std::find(kinds.begin(), kinds.end(), url->kind) == kinds.end()) {
    return Status::InvalidArgument(DescribeStoreUrl(kinds) + " (got a " +
                                   std::string(StoreKindName(url->kind)) +
                                   " URL)");
  }
  return Value(std::move(*url));
}

std::optional<std::int64_t> ParseNumber(SettingType type,
                                        std::string_view text) {
  switch (type) {
    case SettingType::kInteger:
      return ParseInteger(text);
    case SettingType::kDuration:
      if (const auto duration = ParseDuration(text)) return duration->count();
      return std::nullopt;
    case SettingType::kBytes:
      return ParseBytes(text);
    case SettingType::kString:
    case SettingType::kChoice:
    case SettingType::kStoreUrl:
      break;
  }
  return std::nullopt;
}

// The value, or kInvalidArgument saying what was expected instead.
Result<Value> ParseValue(const Setting& setting, std::string_view text) {
  if (setting.type == SettingType::kString) {
    Status valid = setting.validate ? setting.validate(text) : Status::Ok();
    if (!valid.ok()) return valid;
    return Value(std::string(text));
  }
  if (setting.type == SettingType::kChoice) {
    const auto& choices = setting.choices;
    if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
      return Status::InvalidArgument(Expected(setting));
    }
    return Value(std::string(text));
  }
  if (setting.type == SettingType::kStoreUrl) {
    return ParseStoreUrlValue(setting, text);
  }
  const std::optional<std::int64_t> number = ParseNumber(setting.type, text);
  if (!number || *number < setting.min || *number > setting.max) {
    return Status::InvalidArgument(Expected(setting));
  }
  return Value(*number);
}

std::string Show(const Setting& setting, std::string_view raw) {
  switch (setting.secrecy) {
    case Secrecy::kPublic:
      return std::string(raw);
    case Secrecy::kSecret:
      return raw.empty() ? "" : std::string(kMask);
    case Secrecy::kUrlPassword:
      return MaskUrlPassword(raw);
  }
  return std::string(kMask);  // an unknown secrecy fails closed
}

// A mistake in the table is a bug in the program, not a bad environment, so
// it throws as soon as the setting is added.
void CheckDefinition(const Setting& setting) {
  const auto bug = [&](const std::string& what) {
    throw std::logic_error("setting " + setting.name + ": " + what);
  };
  if (setting.name.empty()) bug("the name is empty");
  if (setting.min > setting.max) bug("min is above max");
  if (setting.type == SettingType::kChoice && setting.choices.empty()) {
    bug("a choice needs choices");
  }
  if (setting.type == SettingType::kStoreUrl &&
      setting.secrecy == Secrecy::kPublic) {
    bug("a store URL may hold a password: it cannot be public");
  }
  if (setting.default_value) {
    const Result<Value> value = ParseValue(setting, *setting.default_value);
    if (!value.ok()) bug("the default is not " + value.status().message());
  }
}

// `text` with control characters as \xNN, and quotes and backslashes
// escaped too when `quoted`, so that it cannot break the line it is printed
// on.
std::string Escape(std::string_view text, bool quoted) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (quoted && (c == '"' || c == '\\')) {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// Double-quoted and escaped, cut after kMaxShownChars.
std::string Quote(std::string_view value) {
  std::size_t shown = std::min(value.size(), kMaxShownChars);
  // Cut at a character boundary, not inside a UTF-8 sequence.
  while (shown < value.size() && shown > 0 &&
         (static_cast<unsigned char>(value[shown]) & 0xc0) == 0x80) {
    --shown;
  }
  return "\"" + Escape(value.substr(0, shown), true) +
         (shown < value.size() ? "\"..." : "\"");
}

const char* TypeName(SettingType type) {
  switch (type) {
    case SettingType::kString:
      return "a string";
    case SettingType::kInteger:
      return "an integer";
    case SettingType::kDuration:
      return "a duration";
    case SettingType::kBytes:
      return "a byte size";
    case SettingType::kChoice:
      return "a choice";
    case SettingType::kStoreUrl:
      return "a store URL";
  }
  return "an unknown type";
}

bool Listed(const std::vector<Settings::Shown>& shown, std::string_view name) {
  return std::any_of(shown.begin(), shown.end(),
                     [&](const Settings::Shown& s) { return s.name == name; });
}

// The default as the docs show it: never machine-dependent, never a secret.
std::string DocumentedDefault(const Setting& setting) {
  if (!setting.default_doc.empty()) return setting.default_doc;
  if (!setting.default_value) return "unset";
  if (setting.default_value->empty()) return "empty";
  return "`" + Show(setting, *setting.default_value) + "`";
}

std::string MarkdownCell(std::string_view text) {
  std::string cell;
  for (const char c : text) {
    if (c == '|') cell += '\\';
    cell += c == '\n' ? ' ' : c;
  }
  return cell;
}

std::string DescriptionForDocs(const Setting& setting) {
  std::string description = setting.doc;
  if (setting.secrecy == Secrecy::kSecret) {
    description += " Secret: shown as ******** in logs and errors.";
  } else if (setting.secrecy == Secrecy::kUrlPassword) {
    description += " Its password is shown as ******** in logs and errors.";
  }
  return description;
}

constexpr std::string_view kMarkdownIntro =
    "# Configuration\n"
    "\n"
    "<!-- Generated from the settings table by `config_docs markdown`; "
    "do not edit. -->\n"
    "\n"
    "All configuration comes from environment variables (factor III): there "
    "are no config files and no flags, so the same build runs in every "
    "environment. The process reads the environment once, at startup.\n"
    "\n"
    "- An empty value counts as unset: `PORT=` means \"use the default\".\n"
    "- Durations are a whole number with `ms`, `s`, `m` or `h`: `250ms`, "
    "`10s`, `2m`. A bare number is seconds.\n"
    "- Sizes are a number of bytes, or a whole number of `KiB`, `MiB` or "
    "`GiB`: `65536`, `64KiB`, `1MiB`.\n"
    "- Any invalid value stops the process before it serves, with exit code "
    "78 (EX_CONFIG) and one line per bad variable: its name, its value "
    "(secrets masked) and what was expected. Every error is reported at "
    "once.\n"
    "- The `config` command (`welcome config`) prints the effective "
    "configuration, secrets masked.\n"
    "\n"
    "| Variable | Default | Allowed | Description |\n"
    "|---|---|---|---|\n";

constexpr std::string_view kEnvExampleIntro =
    "# Every setting of the service, with its default. Generated from the\n"
    "# settings table by `config_docs env`; do not edit.\n"
    "#\n"
    "# Copy to .env and uncomment what you change; the commented-out lines\n"
    "# keep the defaults. An empty value counts as unset. Real secrets never\n"
    "# belong in this file. See docs/config.md.\n";

}  // namespace

// What was expected is escaped too: a validator's message may quote part
// of the value (a URL's parameter), and the error stays one line whatever.
std::string SettingError::ToString() const {
  const std::string what = Escape(expected, false);
  if (shown_value.empty()) return name + " is not set: expected " + what;
  return name + "=" + Quote(shown_value) + ": expected " + what;
}

bool Settings::Has(std::string_view name) const {
  if (values_.find(name) != values_.end()) return true;
  if (!Listed(shown_, name)) {
    throw std::logic_error(std::string(name) + " is not in the settings table");
  }
  return false;
}

const Settings::Value* Settings::Find(std::string_view name,
                                      SettingType type) const {
  const auto it = values_.find(name);
  if (it == values_.end()) {
    throw std::logic_error(std::string(name) +
                           (Listed(shown_, name)
                                ? " is unset; check Has() before reading it"
                                : " is not in the settings table"));
  }
  const SettingType actual = it->second.first;
  // A choice is read as the string that was chosen.
  const bool fits = actual == type || (type == SettingType::kString &&
                                       actual == SettingType::kChoice);
  if (!fits) {
    throw std::logic_error(std::string(name) + " is " + TypeName(actual) +
                           ", not " + TypeName(type));
  }
  return &it->second.second;
}

const std::string& Settings::String(std::string_view name) const {
  return std::get<std::string>(*Find(name, SettingType::kString));
}

std::int64_t Settings::Integer(std::string_view name) const {
  return std::get<std::int64_t>(*Find(name, SettingType::kInteger));
}

std::chrono::milliseconds Settings::Duration(std::string_view name) const {
  return std::chrono::milliseconds(
      std::get<std::int64_t>(*Find(name, SettingType::kDuration)));
}

const StoreUrl& Settings::Url(std::string_view name) const {
  return std::get<StoreUrl>(*Find(name, SettingType::kStoreUrl));
}

std::uint64_t Settings::Bytes(std::string_view name) const {
  return static_cast<std::uint64_t>(
      std::get<std::int64_t>(*Find(name, SettingType::kBytes)));
}

SettingsTable& SettingsTable::Add(Setting setting) {
  const bool duplicate =
      std::any_of(settings_.begin(), settings_.end(),
                  [&](const Setting& s) { return s.name == setting.name; });
  if (duplicate) {
    throw std::logic_error("setting " + setting.name + " is added twice");
  }
  CheckDefinition(setting);
  settings_.push_back(std::move(setting));
  return *this;
}

std::variant<Settings, std::vector<SettingError>> SettingsTable::Parse(
    const Environment& env) const {
  Settings settings;
  std::vector<SettingError> errors;
  for (const Setting& setting : settings_) {
    const std::optional<std::string_view> raw = env.Get(setting.name);
    if (!raw && !setting.default_value) {  // optional and unset
      settings.shown_.push_back({setting.name, "", true});
      continue;
    }
    const std::string_view text = raw ? *raw : *setting.default_value;
    Result<Value> value = ParseValue(setting, text);
    if (!value.ok()) {
      errors.push_back(
          {setting.name, Show(setting, text), value.status().message()});
      continue;
    }
    settings.values_.emplace(setting.name,
                             std::make_pair(setting.type, std::move(*value)));
    settings.shown_.push_back({setting.name, Show(setting, text), !raw});
  }
  if (!errors.empty()) return errors;
  return settings;
}

std::string SettingsTable::RenderMarkdown() const {
  std::string out(kMarkdownIntro);
  for (const Setting& setting : settings_) {
    out += "| `" + setting.name + "` | " +
           MarkdownCell(DocumentedDefault(setting)) + " | " +
           MarkdownCell(Expected(setting)) + " | " +
           MarkdownCell(DescriptionForDocs(setting)) + " |\n";
  }
  return out;
}

std::string SettingsTable::RenderEnvExample() const {
  std::string out(kEnvExampleIntro);
  for (const Setting& setting : settings_) {
    // A string's doc already says what it accepts.
    std::string notes = setting.type == SettingType::kString
                            ? ""
                            : "allowed: " + Expected(setting);
    // A computed default differs per machine; only its description is
    // stable enough for a committed file.
    const bool literal_default =
        setting.default_value && setting.default_doc.empty();
    if (!literal_default) {
      notes += (notes.empty() ? "default: " : "; default: ") +
               DocumentedDefault(setting);
    }
    out += "\n# " + DescriptionForDocs(setting) +
           (notes.empty() ? "" : " (" + notes + ")") + "\n";
    out += "#" + setting.name + "=" +
           (literal_default ? Show(setting, *setting.default_value) : "") +
           "\n";
  }
  return out;
}

// The userinfo ends at the last '@' of the authority, so a password holding an
// unencoded '@' is still masked whole. When the authority has no '@' but a
// later part does, the URL is either one without userinfo and an '@' in its
// path or query, or one whose password holds an unencoded '/', '?' or '#':
// the two cannot be told apart, so it is masked, since over-masking a URL in a
// log costs nothing and leaking a password costs a rotation.
std::string MaskUrlPassword(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  const std::size_t start =
      scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t authority_end =
      std::min(url.find_first_of("/?#", start), url.size());
  std::size_t at = url.substr(start, authority_end - start).rfind('@');
  at = at == std::string_view::npos ? url.rfind('@') : start + at;
  if (at == std::string_view::npos || at < start) return std::string(url);
  const std::size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) {
    return std::string(url);  // a user name alone is not a secret
  }
  return std::string(url.substr(0, colon + 1)) + std::string(kMask) +
         std::string(url.substr(at));
}

}  // namespace twelve
