#pragma once
// The settings every app with a backing store shares (factor III), so that
// each app does not declare its own: how long connecting to the store and
// each operation may take. The URL itself is the app's own setting (its
// name and the kinds of store it accepts differ per app): declare it with
// SettingType::kStoreUrl and read it back parsed with Settings::Url().
//
//   twelve::AddStoreTimeoutSettings(table);  // with the app's settings
//   ...
//   auto client = twelve::sql::Open(settings.Url("DATABASE_URL"),
//                                   twelve::StoreOptionsFrom(settings), ...);

#include "twelve/backing/store_options.hpp"
#include "twelve/config/settings.hpp"

namespace twelve {

// STORE_CONNECT_TIMEOUT and STORE_TIMEOUT (1s each, 10ms to 60s).
void AddStoreTimeoutSettings(SettingsTable& table);

// The options those settings give (`settings` parsed from a table that
// AddStoreTimeoutSettings filled).
StoreOptions StoreOptionsFrom(const Settings& settings);

}  // namespace twelve
