#include "twelve/backing/store_settings.hpp"

namespace twelve {

void AddStoreTimeoutSettings(SettingsTable& table) {
  table.Add({.name = "STORE_CONNECT_TIMEOUT",
             .type = SettingType::kDuration,
             .default_value = "1s",
             .min = 10,
             .max = 60'000,
             .doc = "How long connecting to the store may take."});
  table.Add({.name = "STORE_TIMEOUT",
             .type = SettingType::kDuration,
             .default_value = "1s",
             .min = 10,
             .max = 60'000,
             .doc = "How long a store operation may take before the request "
                    "answers 503."});
}

StoreOptions StoreOptionsFrom(const Settings& settings) {
  StoreOptions options;
  options.connect_timeout = settings.Duration("STORE_CONNECT_TIMEOUT");
  options.operation_timeout = settings.Duration("STORE_TIMEOUT");
  return options;
}

}  // namespace twelve
