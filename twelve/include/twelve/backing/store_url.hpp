#pragma once
// Backing services are attached by URL (factor IV). StoreUrl is a parsed,
// validated URL; its password never appears in Masked() or in any error.
//
//   redis://[user][:password@]host[:port][/db]      port 6379, db 0
//   postgres://user:password@host[:port]/dbname[?sslmode=require&...]
//                                     (or postgresql://; TLS and session
//                                     parameters only, see store_url.cpp)
//   sqlite:///absolute/path/to/file.db

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "twelve/status.hpp"

namespace twelve {

// What a driver read from a URL beyond the fields below (its own settings
// type, derived from this one; opaque to everyone else).
class DriverSettings;

struct StoreUrl {
  enum class Kind { kRedis, kPostgres, kSqlite };

  Kind kind = Kind::kRedis;
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded; secret
  std::string host;      // without brackets for IPv6
  std::uint16_t port = 0;
  int database = 0;  // Redis db number
  std::string path;  // PostgreSQL: the database name; SQLite: the file
  // PostgreSQL connection parameters from the query (?sslmode=require).
  std::vector<std::pair<std::string, std::string>> params;
  std::string original;  // as given; secret (holds the password)
  // The driver's settings, read from the URL once, by ParseStoreUrl
  // (PostgreSQL: its parameters); null for a scheme whose driver needs
  // nothing beyond the fields above (Redis, SQLite). Copies of the URL,
  // one per connection, share the one reading.
  std::shared_ptr<const DriverSettings> driver_settings;

  // The URL as given, with the password replaced by "********".
  std::string Masked() const;
};

// Parses `url`. On failure the Status (kInvalidArgument) says what was
// expected and what is wrong, without repeating the password, phrased to
// follow the word "expected" ("redis://host[:port][/db] (the port must be a
// number from 1 to 65535)"), as the settings table shows it. Parameters a
// driver does not know are refused, naming the parameter.
Result<StoreUrl> ParseStoreUrl(std::string_view url);

// The form a URL of `kind` takes, as errors and docs show it
// ("redis://[user][:password@]host[:port][/db]").
std::string_view StoreUrlForm(StoreUrl::Kind kind);
// "redis", "postgres" or "sqlite".
std::string_view StoreKindName(StoreUrl::Kind kind);

}  // namespace twelve
