#include "settings.hpp"

namespace welcome {
namespace {

// Validates a URL setting for the settings table: OK, or kInvalidArgument
// saying what was expected (the table's contract, as ParseStoreUrl's).
twelve::Status CheckUrl(std::string_view text, bool redis) {
  twelve::Result<twelve::StoreUrl> url = twelve::ParseStoreUrl(text);
  if (!url.ok()) return url.status();
  bool is_redis = url->kind == twelve::StoreUrl::Kind::kRedis;
  if (redis && !is_redis) {
    return twelve::Status::InvalidArgument(
        "a redis:// URL (use DATABASE_URL for PostgreSQL or SQLite)");
  }
  if (!redis && is_redis) {
    return twelve::Status::InvalidArgument(
        "a postgres://, postgresql:// or sqlite:/// URL (use REDIS_URL for "
        "Redis)");
  }
  return twelve::Status::Ok();
}

}  // namespace

void AddSettings(twelve::SettingsTable& table) {
  table.Add({.name = "REDIS_URL",
             .type = twelve::SettingType::kString,
             .secrecy = twelve::Secrecy::kUrlPassword,
             .doc = "The Redis that keeps the visitor count (factor IV), "
                    "redis://[user][:password@]host[:port][/db]; the course's "
                    ".env HOST=h and PORT=p become REDIS_URL=redis://h:p.",
             .validate = [](std::string_view v) { return CheckUrl(v, true); }});
  table.Add(
      {.name = "DATABASE_URL",
       .type = twelve::SettingType::kString,
       .secrecy = twelve::Secrecy::kUrlPassword,
       .doc = "The store when REDIS_URL is unset: "
              "postgres://user:password@host[:port]/db or "
              "sqlite:///absolute/path.db.",
       .validate = [](std::string_view v) { return CheckUrl(v, false); }});
  table.Add({.name = "STORE_CONNECT_TIMEOUT",
             .type = twelve::SettingType::kDuration,
             .default_value = "1s",
             .min = 10,
             .max = 60'000,
             .doc = "How long connecting to the store may take."});
  table.Add({.name = "STORE_TIMEOUT",
             .type = twelve::SettingType::kDuration,
             .default_value = "1s",
             .min = 10,
             .max = 60'000,
             .doc = "How long a store operation may take before the request "
                    "answers 503."});
}

twelve::Result<twelve::StoreUrl> ChooseStore(const twelve::Settings& settings) {
  const char* variable = settings.Has("REDIS_URL")      ? "REDIS_URL"
                         : settings.Has("DATABASE_URL") ? "DATABASE_URL"
                                                        : nullptr;
  if (variable == nullptr) {
    return twelve::Status::InvalidArgument(
        "no backing store attached: set REDIS_URL=redis://host:6379 (the "
        "course's store) or DATABASE_URL=postgres://user:password@host/db "
        "or DATABASE_URL=sqlite:///absolute/path.db");
  }
  // Validated by the table already; parse again for the structure.
  return twelve::ParseStoreUrl(settings.String(variable));
}

twelve::StoreOptions StoreOptionsFrom(const twelve::Settings& settings) {
  twelve::StoreOptions options;
  options.connect_timeout = settings.Duration("STORE_CONNECT_TIMEOUT");
  options.operation_timeout = settings.Duration("STORE_TIMEOUT");
  return options;
}

}  // namespace welcome
