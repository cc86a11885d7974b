#include "settings.hpp"

#include <twelve/backing/store_settings.hpp>

namespace welcome {

void AddSettings(twelve::SettingsTable& table) {
  table.Add({.name = "REDIS_URL",
             .type = twelve::SettingType::kStoreUrl,
             .store_kinds = {twelve::StoreUrl::Kind::kRedis},
             .secrecy = twelve::Secrecy::kUrlPassword,
             .doc = "The Redis that keeps the visitor count (factor IV); the "
                    "course's .env HOST=h and PORT=p become "
                    "REDIS_URL=redis://h:p."});
  table.Add({.name = "DATABASE_URL",
             .type = twelve::SettingType::kStoreUrl,
             .store_kinds = {twelve::StoreUrl::Kind::kPostgres,
                             twelve::StoreUrl::Kind::kSqlite},
             .secrecy = twelve::Secrecy::kUrlPassword,
             .doc = "The store when REDIS_URL is unset: PostgreSQL or SQLite "
                    "(an absolute path)."});
  twelve::AddStoreTimeoutSettings(table);
}

twelve::Result<twelve::StoreUrl> ChooseStore(const twelve::Settings& settings) {
  if (settings.Has("REDIS_URL")) return settings.Url("REDIS_URL");
  if (settings.Has("DATABASE_URL")) return settings.Url("DATABASE_URL");
  return twelve::Status::InvalidArgument(
      "no backing store attached: set REDIS_URL=redis://host:6379 (the "
      "course's store) or DATABASE_URL=postgres://user:password@host/db "
      "or DATABASE_URL=sqlite:///absolute/path.db");
}

}  // namespace welcome
