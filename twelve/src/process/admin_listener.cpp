#include "process/admin_listener.hpp"

#include "process/metrics_page.hpp"
#include "process/status_page.hpp"
#include "thread_name.hpp"

namespace twelve {
namespace {

ServerConfig AdminServerConfig(const KitConfig& config) {
  ServerConfig admin = config.server;
  admin.bind = config.admin.bind;
  admin.port = config.admin.port;
  admin.threads = 1;
  admin.reuse_port = false;
  return admin;
}

}  // namespace

AdminListener::AdminListener(const StatusSources& sources, const Logger& log)
    : server_(std::make_unique<http::Server>(AdminServerConfig(*sources.config),
                                             router_, log,
                                             sources.config->log.access_log,
                                             /*metrics=*/false, "admin")) {
  AddStatusRoutes(router_, sources);
  // The service's figures, not the admin listener's own.
  if (sources.config->admin.metrics) {
    AddMetricsRoute(router_, *sources.server, sources.app_name,
                    sources.config->release_id);
  }
  sources.health->AddRoutes(router_, sources.app_name,
                            sources.config->release_id);
}

AdminListener::~AdminListener() { Join(); }

Status AdminListener::Listen() {
  Status status = server_->Listen();
  if (status.ok()) return status;
  return Status::Unavailable("admin listener (ADMIN_PORT, ADMIN_BIND): " +
                             status.message());
}

void AdminListener::Start(const ShutdownConfig& shutdown) {
  thread_ = std::thread([this, shutdown] {
    NameThisThread("admin");  // its workers are "admin-0" and on
    server_->Serve(shutdown, {});
  });
}

void AdminListener::Join() {
  if (!thread_.joinable()) return;
  server_->Shutdown();
  thread_.join();
}

}  // namespace twelve
