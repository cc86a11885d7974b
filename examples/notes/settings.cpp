#include "settings.hpp"

namespace notes {

void AddSettings(twelve::SettingsTable& table) {
  table.Add({.name = "DATABASE_URL",
             .type = twelve::SettingType::kStoreUrl,
             .store_kinds = {twelve::StoreUrl::Kind::kPostgres,
                             twelve::StoreUrl::Kind::kSqlite},
             .secrecy = twelve::Secrecy::kUrlPassword,
             .doc = "The database that keeps the notes: PostgreSQL or SQLite "
                    "(an absolute path)."});
  twelve::AddStoreTimeoutSettings(table);
}

twelve::Result<twelve::StoreUrl> DatabaseUrl(const twelve::Settings& settings) {
  if (!settings.Has("DATABASE_URL")) {
    return twelve::Status::InvalidArgument(
        "DATABASE_URL is not set: expected "
        "postgres://user:password@host[:port]/db or "
        "sqlite:///absolute/path.db");
  }
  return settings.Url("DATABASE_URL");
}

}  // namespace notes
