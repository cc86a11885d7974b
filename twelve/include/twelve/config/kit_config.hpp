#pragma once
// The kit's own settings and the plain structs built from them.
//
// AddKitSettings() puts PORT, BIND, WEB_THREADS, LOG_*, SHUTDOWN_*, HTTP_*,
// METRICS, ADMIN_* and RELEASE_ID into a table; apps add theirs to the same
// table. KitConfigFrom() turns parsed Settings into immutable structs handed to
// each component, so no component ever sees the environment.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "twelve/config/settings.hpp"
#include "twelve/log/logger.hpp"

namespace twelve {

struct ServerConfig {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 5000;
  int threads = 1;
  bool reuse_port = false;  // SO_REUSEPORT: processes share the port
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};  // from the header's end
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

// The admin listener (/status, /metrics) and the request metrics.
struct AdminConfig {
  bool metrics = true;     // METRICS: count requests, serve /metrics
  std::uint16_t port = 0;  // ADMIN_PORT; 0: no admin listener
  std::string bind = "127.0.0.1";
};

struct KitConfig {
  ServerConfig server;
  LogConfig log;
  ShutdownConfig shutdown;
  AdminConfig admin;
  std::string release_id;  // "" when the platform did not set RELEASE_ID
};

// Adds the kit's settings to `table`.
void AddKitSettings(SettingsTable& table);

// Builds the kit's structs from settings parsed from a table that went through
// AddKitSettings().
KitConfig KitConfigFrom(const Settings& settings);

// What no single setting shows: ADMIN_PORT equal to PORT. Empty when the
// settings agree; each error names both variables.
std::vector<SettingError> CheckKitConfig(const KitConfig& config);

// The CPUs this process may use: its affinity mask, lowered by a cgroup v2
// cpu.max quota when one is set. At least 1.
int AvailableCpus();

}  // namespace twelve
