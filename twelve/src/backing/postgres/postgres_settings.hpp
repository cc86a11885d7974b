#pragma once
// PostgresSettings: what a postgres:// URL's parameters ask of the session,
// read and checked once. The URL is the only source: unlike libpq, the
// driver reads no PG* variable, no ~/.pgpass and no ~/.postgresql/ file
// (factor III: the URL in the environment says everything).
//
//   sslmode               disable | allow | prefer (default) | require |
//                         verify-ca | verify-full. allow acts as prefer
//                         (TLS when the server agrees); require with
//                         sslrootcert verifies the chain, as libpq does.
//   sslrootcert           CA file (PEM); required by verify-ca and verify-full
//   sslcert, sslkey       client certificate and its key (PEM), together
//   sslcrl                revocation list (PEM)
//   channel_binding       disable | prefer (default) | require (SCRAM-SHA-256
//                         -PLUS over TLS)
//   gssencmode            disable | prefer (default; no GSSAPI here, so
//                         prefer never encrypts with it)
//   target_session_attrs  any (default) | read-write | read-only | primary |
//                         standby | prefer-standby (one host: any)
//   application_name      sent at startup (default "twelve")
//   options               sent at startup (server settings, "-c x=y")

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backing/driver_settings.hpp"
#include "backing/postgres/postgres_tls.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/status.hpp"

namespace twelve::backing {

// Read once per URL, by ParseStoreUrl (driver_settings.hpp); a connection
// finds it with PostgresSettingsOf().
struct PostgresSettings final : DriverSettings {
  enum class Tls { kDisable, kPrefer, kRequire };
  enum class ChannelBinding { kDisable, kPrefer, kRequire };
  enum class TargetSession { kAny, kReadWrite, kReadOnly, kPrimary, kStandby };

  Tls tls = Tls::kPrefer;
  pg::TlsSettings tls_settings;  // its host is the URL's
  ChannelBinding channel_binding = ChannelBinding::kPrefer;
  TargetSession target_session = TargetSession::kAny;
  // The StartupMessage's parameters: user, database, application_name,
  // options.
  std::vector<std::pair<std::string, std::string>> startup;
};

// What a server reports about itself (ParameterStatus): name to value.
using ServerParameters = std::map<std::string, std::string, std::less<>>;

// OK when a server that reported `parameters` is the kind of session
// `target` asks for (target_session_attrs); otherwise kUnavailable saying
// why (another server, or this one after a failover, may be). Needs the
// in_hot_standby and default_transaction_read_only that PostgreSQL 14 and
// later report at startup.
Status CheckTargetSession(PostgresSettings::TargetSession target,
                          const ServerParameters& parameters);

// Reads `url`'s user, database and parameters. kInvalidArgument, naming the
// parameter and what it accepts, for an unknown parameter, a value out of
// its set, or a combination that cannot work (sslcert without sslkey,
// verify-full without sslrootcert, channel_binding=require with
// sslmode=disable).
Result<PostgresSettings> ParsePostgresSettings(const StoreUrl& url);

// The settings ParseStoreUrl read into `url`; kInvalidArgument when `url`
// is not a PostgreSQL URL that ParseStoreUrl accepted.
Result<std::shared_ptr<const PostgresSettings>> PostgresSettingsOf(
    const StoreUrl& url);

}  // namespace twelve::backing
