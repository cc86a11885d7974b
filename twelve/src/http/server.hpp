#pragma once
// Server: binds $BIND:$PORT, runs WEB_THREADS workers and shuts down in the
// documented order. Private to the kit; no Boost types in this header, so
// app.cpp stays free of Asio.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/request_metrics.hpp"
#include "twelve/config/kit_config.hpp"
#include "twelve/http/router.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/status.hpp"

namespace twelve {
class EventLoops;
}

namespace twelve::http {

struct ShutdownReport {
  std::string signal;  // "SIGTERM" or "SIGINT"
  std::uint64_t requests_served = 0;
  std::uint64_t requests_cut = 0;  // in flight when SHUTDOWN_TIMEOUT passed
  std::int64_t connections_cut = 0;
  std::chrono::milliseconds drain_time{0};
};

struct ServeHooks {
  // On the first signal, before anything else: readiness turns false.
  std::function<void(const std::string& signal)> on_drain_start;
  // On a second signal: the process must exit at once.
  std::function<void(const std::string& signal)> on_second_signal;
  // Called on the control thread while serving, first at once; returns how
  // long until the next call.
  std::function<std::chrono::milliseconds()> on_tick;
};

// What the server has done so far, for /metrics and /status.
struct ServerStats {
  RequestTotals requests;  // empty unless the server counts metrics
  std::int64_t open_connections = 0;
  std::uint64_t requests_served = 0;
  std::uint64_t connections_refused = 0;  // at HTTP_MAX_CONNECTIONS
  std::uint64_t connections_evicted = 0;  // idle ones closed to make room
};

class Server {
 public:
  // `metrics`: the workers count requests by route for Stats().
  // `listener` names this server in its events ("listener closed"), so that
  // a process with two (the service's and the admin one) tells them apart.
  Server(const ServerConfig& config, const Router& router, const Logger& log,
         bool access_log, bool metrics = false, std::string listener = "web");
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; a port in use or a bad address is a failed Status
  // naming the address.
  Status Listen();
  std::uint16_t port() const;

  // The I/O threads, for backing-service drivers. Valid from construction.
  EventLoops& loops();

  // Any thread, while serving: sums what every worker counted.
  ServerStats Stats() const;

  // Starts the workers and blocks until a signal has been handled and the
  // server drained (or SHUTDOWN_TIMEOUT cut what was left).
  ShutdownReport Serve(const ShutdownConfig& shutdown, const ServeHooks& hooks);

  // Thread-safe: starts the drain as SIGTERM would, unless one has begun;
  // for a server whose signal came before it was built.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twelve::http
