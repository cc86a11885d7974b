#pragma once
// /metrics: the server's, the attached store's and the process's figures, the
// build, and the app's own metrics (AppMetrics, named with the app's prefix),
// in the Prometheus text format (issue 14). Served on the service port unless
// METRICS=off, and on the admin listener.

#include <string>
#include <string_view>

#include "backing/store_metrics.hpp"
#include "http/server.hpp"
#include "process/process_stats.hpp"
#include "twelve/http/router.hpp"
#include "twelve/metrics/app_metrics.hpp"

namespace twelve {

struct MetricsInput {
  const http::ServerStats& server;
  const StoreMetrics::Totals& store;
  const ProcessStats& process;
  std::string_view release_id;
  std::string_view app_name = {};
  const metrics::AppMetrics* app = nullptr;  // none when null
};

std::string RenderMetrics(const MetricsInput& input);

// GET /metrics on `router`, reading `server` (and its loops' store and app
// metrics, the app's named `app_name`_...) at each scrape. `server` must
// outlive the router's use.
void AddMetricsRoute(Router& router, http::Server& server, std::string app_name,
                     std::string release_id);

}  // namespace twelve
