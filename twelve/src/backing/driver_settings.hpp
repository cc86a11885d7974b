#pragma once
// DriverSettings: what a driver reads from its URL beyond StoreUrl's
// fields, read once. ParseStoreUrl() calls the driver's reader as it parses
// (so that a URL the driver would refuse is refused when the configuration
// is read, exit 78) and keeps the result in StoreUrl::driver_settings; the
// driver's connections take it from there instead of reading the URL again.
//
// Why a base class and one declared reader per driver, rather than
// store_url.cpp including the driver's header, or readers registered at
// run time: generic code (store_url.cpp, config/, process/) then names no
// driver type and includes no driver header; the driver owns its settings
// type and fills in the reader declared here. Registration at run time
// would need either static self-registration (style.md: no) or a registry
// passed into ParseStoreUrl(), which every app's settings validators call
// with a string alone. A new driver that needs settings adds one line here.

#include <memory>
#include <string>
#include <string_view>

#include "twelve/backing/store_url.hpp"
#include "twelve/status.hpp"

namespace twelve {

class DriverSettings {
 public:
  virtual ~DriverSettings() = default;
};

namespace backing {

// A query parameter's name (decoded) as an error message quotes it: the
// bytes that could break the message's line (control characters, DEL) and
// '%' and '"' percent-encoded again, as the URL would write them.
std::string ParameterNameAsWritten(std::string_view decoded);

// The PostgreSQL driver's reading of `url`'s user, database and parameters
// (defined in postgres/postgres_settings.cpp): a PostgresSettings. On a
// URL the driver refuses, kInvalidArgument naming the parameter and what it
// accepts (ParseStoreUrl puts the URL's form before it).
Result<std::shared_ptr<const DriverSettings>> ReadPostgresUrl(
    const StoreUrl& url);

}  // namespace backing
}  // namespace twelve
