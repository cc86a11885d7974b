#include "settings.hpp"

namespace notes {

void AddSettings(twelve::SettingsTable& table) {
  table.Add({.name = "DATABASE_URL",
             .type = twelve::SettingType::kString,
             .secrecy = twelve::Secrecy::kUrlPassword,
             .doc = "The database that keeps the notes: "
                    "postgres://user:password@host[:port]/db or "
                    "sqlite:///absolute/path.db.",
             .validate = [](std::string_view text) -> twelve::Status {
               twelve::Result<twelve::StoreUrl> url =
                   twelve::ParseStoreUrl(text);
               if (!url.ok()) return url.status();
               if (url->kind == twelve::StoreUrl::Kind::kRedis) {
                 return twelve::Status::InvalidArgument(
                     "a postgres://, postgresql:// or sqlite:/// URL");
               }
               return twelve::Status::Ok();
             }});
  table.Add({.name = "STORE_CONNECT_TIMEOUT",
             .type = twelve::SettingType::kDuration,
             .default_value = "1s",
             .min = 10,
             .max = 60'000,
             .doc = "How long connecting to the database may take."});
  table.Add({.name = "STORE_TIMEOUT",
             .type = twelve::SettingType::kDuration,
             .default_value = "1s",
             .min = 10,
             .max = 60'000,
             .doc = "How long a query may take before the request answers "
                    "503."});
}

twelve::Result<twelve::StoreUrl> DatabaseUrl(const twelve::Settings& settings) {
  if (!settings.Has("DATABASE_URL")) {
    return twelve::Status::InvalidArgument(
        "DATABASE_URL is not set: expected "
        "postgres://user:password@host[:port]/db or "
        "sqlite:///absolute/path.db");
  }
  return twelve::ParseStoreUrl(settings.String("DATABASE_URL"));
}

twelve::StoreOptions StoreOptionsFrom(const twelve::Settings& settings) {
  twelve::StoreOptions options;
  options.connect_timeout = settings.Duration("STORE_CONNECT_TIMEOUT");
  options.operation_timeout = settings.Duration("STORE_TIMEOUT");
  return options;
}

}  // namespace notes
