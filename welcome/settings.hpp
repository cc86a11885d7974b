#pragma once
// welcome's own settings, added to the kit's table (factor III), and the
// choice of backing store they make (factor IV).

#include <twelve/backing/store_settings.hpp>
#include <twelve/backing/store_url.hpp>
#include <twelve/config/settings.hpp>

namespace welcome {

// REDIS_URL, DATABASE_URL (parsed by the table, once) and the kit's
// STORE_CONNECT_TIMEOUT, STORE_TIMEOUT.
void AddSettings(twelve::SettingsTable& table);

// The store the settings attach: REDIS_URL when set (the course's store),
// else DATABASE_URL. Neither set: kInvalidArgument showing both ways.
twelve::Result<twelve::StoreUrl> ChooseStore(const twelve::Settings& settings);

}  // namespace welcome
