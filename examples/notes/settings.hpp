#pragma once
// notes' own settings, added to the kit's table (factor III): the database
// it keeps the notes in (factor IV) and how long it may take.

#include <twelve/backing/store_settings.hpp>
#include <twelve/backing/store_url.hpp>
#include <twelve/config/settings.hpp>

namespace notes {

// DATABASE_URL (parsed by the table, once) and the kit's
// STORE_CONNECT_TIMEOUT, STORE_TIMEOUT.
void AddSettings(twelve::SettingsTable& table);

// The database DATABASE_URL names (parsed by the table already);
// kInvalidArgument when it is unset.
twelve::Result<twelve::StoreUrl> DatabaseUrl(const twelve::Settings& settings);

}  // namespace notes
