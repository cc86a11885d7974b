#pragma once
// /metrics: the server's, the attached store's and the process's figures and
// the build, in the Prometheus text format (issue 14). Served on the
// service port unless METRICS=off, and on the admin listener.

#include <string>
#include <string_view>

#include "backing/store_metrics.hpp"
#include "http/server.hpp"
#include "process/process_stats.hpp"
#include "twelve/http/router.hpp"

namespace twelve {

struct MetricsInput {
  const http::ServerStats& server;
  const StoreMetrics::Totals& store;
  const ProcessStats& process;
  std::string_view release_id;
};

std::string RenderMetrics(const MetricsInput& input);

// GET /metrics on `router`, reading `server` (and its loops' store metrics)
// at each scrape. `server` must outlive the router's use.
void AddMetricsRoute(Router& router, http::Server& server,
                     std::string release_id);

}  // namespace twelve
