#pragma once
// What every I/O thread of one server shares: the config, the router, the
// logger and a few counters. Read-only after start, but for the atomics.

#include <atomic>
#include <cstdint>

#include "twelve/config/kit_config.hpp"
#include "twelve/http/router.hpp"
#include "twelve/log/logger.hpp"

namespace twelve::http {

struct ServerState {
  ServerState(const ServerConfig& config, const Router& router,
              const Logger& log, bool access_log, bool metrics = false)
      : config(config),
        router(router),
        log(log),
        access_log(access_log),
        metrics(metrics) {}

  const ServerConfig config;
  const Router& router;
  const Logger& log;
  const bool access_log;
  const bool metrics;  // workers count requests for /metrics

  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> requests_cut{0};
  std::atomic<std::uint64_t> connections_refused{0};
  // Idle connections closed to admit new ones at HTTP_MAX_CONNECTIONS.
  std::atomic<std::uint64_t> connections_evicted{0};
};

}  // namespace twelve::http
