#pragma once
// AdminListener: the second listener, on ADMIN_BIND:ADMIN_PORT (loopback by
// default), serving /status, /status.json, /metrics, /livez, /readyz and
// /version, and nothing of the app: the status page is never on the service
// port. Its connections have the same limits and timeouts as the service's
// (the same ServerConfig, another address), one I/O thread, and it drains
// on the same signal as the service's server.

#include <memory>
#include <thread>

#include "http/server.hpp"
#include "process/health.hpp"
#include "process/status_snapshot.hpp"
#include "twelve/http/router.hpp"

namespace twelve {

class AdminListener {
 public:
  // `sources` (and what it points to) must outlive the listener.
  AdminListener(const StatusSources& sources, const Logger& log);
  ~AdminListener();
  AdminListener(const AdminListener&) = delete;
  AdminListener& operator=(const AdminListener&) = delete;

  // Binds; a failure names the address and ADMIN_PORT.
  Status Listen();
  std::uint16_t port() const { return server_->port(); }
  // Serves on a thread of its own until a signal has drained it.
  void Start(const ShutdownConfig& shutdown);
  // After the service's server has drained: drains this one too, if its
  // signal came before it was built, and waits for its thread.
  void Join();

 private:
  Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

}  // namespace twelve
