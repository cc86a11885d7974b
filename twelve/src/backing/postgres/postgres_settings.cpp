#include "backing/postgres/postgres_settings.hpp"

#include <array>
#include <optional>
#include <string_view>

namespace twelve::backing {
namespace {

using Settings = PostgresSettings;

template <typename Value, std::size_t N>
using Choices = std::array<std::pair<std::string_view, Value>, N>;

constexpr Choices<Settings::Tls, 6> kSslModes{{
    {"disable", Settings::Tls::kDisable},
    {"allow", Settings::Tls::kPrefer},
    {"prefer", Settings::Tls::kPrefer},
    {"require", Settings::Tls::kRequire},
    {"verify-ca", Settings::Tls::kRequire},
    {"verify-full", Settings::Tls::kRequire},
}};
constexpr Choices<Settings::ChannelBinding, 3> kChannelBindings{{
    {"disable", Settings::ChannelBinding::kDisable},
    {"prefer", Settings::ChannelBinding::kPrefer},
    {"require", Settings::ChannelBinding::kRequire},
}};
constexpr Choices<bool, 2> kGssEncModes{{{"disable", true}, {"prefer", true}}};
constexpr Choices<Settings::TargetSession, 6> kTargetSessions{{
    {"any", Settings::TargetSession::kAny},
    {"read-write", Settings::TargetSession::kReadWrite},
    {"read-only", Settings::TargetSession::kReadOnly},
    {"primary", Settings::TargetSession::kPrimary},
    {"standby", Settings::TargetSession::kStandby},
    {"prefer-standby", Settings::TargetSession::kAny},
}};

Status Invalid(std::string message) {
  return Status::InvalidArgument(std::move(message));
}

template <typename Value, std::size_t N>
Result<Value> Choose(std::string_view key, std::string_view value,
                     const Choices<Value, N>& choices) {
  std::string names;
  for (const auto& [name, chosen] : choices) {
    if (value == name) return chosen;
    names += names.empty() ? "" : ", ";
    names += name;
  }
  return Invalid(std::string(key) + "=" + std::string(value) +
                 ": expected one of " + names);
}

// Sets the field `key` names; false when no parameter has that name.
Result<bool> Apply(std::string_view key, const std::string& value,
                   Settings& settings, std::string& sslmode) {
  if (key == "sslmode") {
    Result<Settings::Tls> tls = Choose(key, value, kSslModes);
    if (!tls.ok()) return tls.status();
    settings.tls = *tls;
    sslmode = value;
  } else if (key == "sslrootcert") {
    settings.tls_settings.root_cert = value;
  } else if (key == "sslcert") {
    settings.tls_settings.cert = value;
  } else if (key == "sslkey") {
    settings.tls_settings.key = value;
  } else if (key == "sslcrl") {
    settings.tls_settings.crl = value;
  } else if (key == "channel_binding") {
    Result<Settings::ChannelBinding> binding =
        Choose(key, value, kChannelBindings);
    if (!binding.ok()) return binding.status();
    settings.channel_binding = *binding;
  } else if (key == "gssencmode") {
    if (value == "require") {
      return Invalid(
          "gssencmode=require: GSSAPI encryption is not supported; use "
          "sslmode for TLS");
    }
    if (Result<bool> mode = Choose(key, value, kGssEncModes); !mode.ok()) {
      return mode.status();
    }
  } else if (key == "target_session_attrs") {
    Result<Settings::TargetSession> target =
        Choose(key, value, kTargetSessions);
    if (!target.ok()) return target.status();
    settings.target_session = *target;
  } else if (key == "application_name" || key == "options") {
    settings.startup.emplace_back(key, value);
  } else {
    return false;
  }
  return true;
}

Status CheckCombination(const Settings& settings, std::string_view sslmode) {
  const pg::TlsSettings& tls = settings.tls_settings;
  if (tls.cert.empty() != tls.key.empty()) {
    return Invalid("sslcert and sslkey go together: give both or neither");
  }
  bool verifies = sslmode == "verify-ca" || sslmode == "verify-full";
  if (verifies && tls.root_cert.empty()) {
    return Invalid("sslmode=" + std::string(sslmode) +
                   " needs sslrootcert=<file of trusted CA certificates>");
  }
  if (settings.tls == Settings::Tls::kDisable &&
      settings.channel_binding == Settings::ChannelBinding::kRequire) {
    return Invalid(
        "channel_binding=require needs TLS, and sslmode=disable turns it off");
  }
  return Status::Ok();
}

pg::TlsSettings::Verify VerifyFor(std::string_view sslmode,
                                  const pg::TlsSettings& tls) {
  if (sslmode == "verify-full") return pg::TlsSettings::Verify::kFull;
  if (sslmode == "verify-ca") return pg::TlsSettings::Verify::kCa;
  // As libpq: require with a CA file given verifies the chain.
  if (sslmode == "require" && !tls.root_cert.empty()) {
    return pg::TlsSettings::Verify::kCa;
  }
  return pg::TlsSettings::Verify::kNone;
}

}  // namespace

Result<PostgresSettings> ParsePostgresSettings(const StoreUrl& url) {
  Settings settings;
  if (url.user.empty()) return Invalid("the user is missing");
  settings.startup.emplace_back("user", url.user);
  if (!url.path.empty()) settings.startup.emplace_back("database", url.path);
  std::string sslmode = "prefer";
  for (const auto& [key, value] : url.params) {
    Result<bool> known = Apply(key, value, settings, sslmode);
    if (!known.ok()) return known.status();
    if (!*known) {
      return Invalid("unknown parameter \"" + ParameterNameAsWritten(key) +
                     "\"; allowed: sslmode, sslrootcert, sslcert, sslkey, "
                     "sslcrl, channel_binding, gssencmode, "
                     "target_session_attrs, options, application_name");
    }
  }
  if (Status status = CheckCombination(settings, sslmode); !status.ok()) {
    return status;
  }
  bool named = false;
  for (const auto& [key, value] : settings.startup) {
    named = named || key == "application_name";
  }
  if (!named) settings.startup.emplace_back("application_name", "twelve");
  settings.tls_settings.host = url.host;
  settings.tls_settings.verify = VerifyFor(sslmode, settings.tls_settings);
  return settings;
}

Result<std::shared_ptr<const DriverSettings>> ReadPostgresUrl(
    const StoreUrl& url) {
  Result<PostgresSettings> settings = ParsePostgresSettings(url);
  if (!settings.ok()) return settings.status();
  return std::shared_ptr<const DriverSettings>(
      std::make_shared<const PostgresSettings>(std::move(*settings)));
}

Result<std::shared_ptr<const PostgresSettings>> PostgresSettingsOf(
    const StoreUrl& url) {
  auto settings =
      std::dynamic_pointer_cast<const PostgresSettings>(url.driver_settings);
  if (url.kind != StoreUrl::Kind::kPostgres || settings == nullptr) {
    return Invalid("a postgres:// URL read by ParseStoreUrl");
  }
  return settings;
}

Status CheckTargetSession(Settings::TargetSession target,
                          const ServerParameters& parameters) {
  using Target = Settings::TargetSession;
  if (target == Target::kAny) return Status::Ok();
  auto standby = parameters.find("in_hot_standby");
  auto read_only = parameters.find("default_transaction_read_only");
  if (standby == parameters.end() || read_only == parameters.end()) {
    return Status::Unavailable(
        "target_session_attrs needs PostgreSQL 14 or later (the server "
        "did not report in_hot_standby)");
  }
  bool is_standby = standby->second == "on";
  bool is_read_only = is_standby || read_only->second == "on";
  if (target == Target::kReadWrite && is_read_only) {
    return Status::Unavailable(
        "the server's sessions are read-only, and target_session_attrs "
        "asks for read-write");
  }
  if (target == Target::kReadOnly && !is_read_only) {
    return Status::Unavailable(
        "the server's sessions are read-write, and target_session_attrs "
        "asks for read-only");
  }
  if (target == Target::kPrimary && is_standby) {
    return Status::Unavailable(
        "the server is a standby, and target_session_attrs asks for the "
        "primary");
  }
  if (target == Target::kStandby && !is_standby) {
    return Status::Unavailable(
        "the server is not a standby, and target_session_attrs asks for "
        "one");
  }
  return Status::Ok();
}

}  // namespace twelve::backing
