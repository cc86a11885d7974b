#pragma once
// The kit's own settings and the plain structs built from them.
//
// AddKitSettings() puts PORT, BIND, WEB_THREADS, LOG_*, SHUTDOWN_*, HTTP_* and
// RELEASE_ID into a table; apps add theirs to the same table. KitConfigFrom()
// turns parsed Settings into immutable structs handed to each component, so
// no component ever sees the environment.

#include <chrono>
#include <cstdint>
#include <string>

#include "twelve/log/logger.hpp"
#include "twelve/config/settings.hpp"

namespace twelve {

struct ServerConfig {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 5000;
  int threads = 1;
  bool reuse_port = false;  // SO_REUSEPORT: processes share the port
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::uint64_t max_header_bytes = std::uint64_t{16} * 1024;
  std::uint64_t max_body_bytes = std::uint64_t{1024} * 1024;
  std::int64_t max_connections = 10'000;
};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kJson;
  bool access_log = true;
};

struct ShutdownConfig {
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds timeout{10'000};
};

struct KitConfig {
  ServerConfig server;
  LogConfig log;
  ShutdownConfig shutdown;
  std::string release_id;  // "" when the platform did not set RELEASE_ID
};

// Adds the kit's settings to `table`.
void AddKitSettings(SettingsTable& table);

// Builds the kit's structs from settings parsed from a table that went through
// AddKitSettings().
KitConfig KitConfigFrom(const Settings& settings);

// The CPUs this process may use: its affinity mask, lowered by a cgroup v2
// cpu.max quota when one is set. At least 1.
int AvailableCpus();

}  // namespace twelve
