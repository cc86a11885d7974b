#include "process/metrics_page.hpp"

#include <array>

#include "metrics/prometheus_text.hpp"
#include "process/event_loops.hpp"
#include "twelve/build_info.hpp"

namespace twelve {
namespace {

using metrics::PrometheusText;
constexpr double kNanosecondsPerSecond = 1e9;

void RenderRequests(PrometheusText& out, const http::RequestTotals& totals) {
  out.Family("http_requests_total", "counter",
             "HTTP requests answered, by method, route pattern and status "
             "code.");
  for (const auto& [series, count] : totals.requests) {
    const std::string code =
        series.code == 0 ? "other" : std::to_string(series.code);
    out.Sample(
        "http_requests_total",
        {{"method", series.method}, {"route", series.route}, {"code", code}},
        count);
  }
  out.Family("http_request_duration_seconds", "histogram",
             "Time from a request's arrival to its answer being handed to "
             "the socket, by route pattern.");
  for (const auto& [route, histogram] : totals.durations) {
    if (histogram.count == 0) continue;
    out.Histogram("http_request_duration_seconds", {{"route", route}},
                  histogram, kNanosecondsPerSecond);
  }
  out.Family("http_requests_rejected_total", "counter",
             "Requests refused before a handler: limit (a size limit or "
             "HTTP_MAX_CONNECTIONS), timeout (a request begun but not "
             "finished in time), framing (malformed).");
  for (std::size_t i = 0; i < http::kRejectionKinds; ++i) {
    out.Sample(
        "http_requests_rejected_total",
        {{"reason", http::RejectionName(static_cast<http::Rejection>(i))}},
        totals.rejected[i]);
  }
}

void RenderConnections(PrometheusText& out, const http::ServerStats& server) {
  out.Family("http_open_connections", "gauge", "Client connections open.");
  out.Sample("http_open_connections", {},
             static_cast<double>(server.open_connections));
  out.Family("http_connections_evicted_total", "counter",
             "Idle connections closed to admit new ones at "
             "HTTP_MAX_CONNECTIONS.");
  out.Sample("http_connections_evicted_total", {}, server.connections_evicted);
}

void RenderStore(PrometheusText& out, const StoreMetrics::Totals& store) {
  if (store.kind.empty()) return;
  const std::initializer_list<metrics::Label> labels = {{"store", store.kind}};
  struct Counter {
    std::string_view name, help;
    std::uint64_t value;
  };
  const std::array<Counter, 3> counters = {{
      {"store_operations_total", "Round trips to the store.", store.operations},
      {"store_errors_total", "Round trips that failed.", store.errors},
      {"store_reconnects_total",
       "Connections to the store made again after "
       "one was lost.",
       store.reconnects},
  }};
  for (const Counter& counter : counters) {
    out.Family(counter.name, "counter", counter.help);
    out.Sample(counter.name, labels, counter.value);
  }
  out.Family("store_round_trip_seconds", "histogram",
             "Time from sending an operation to its answer.");
  out.Histogram("store_round_trip_seconds", labels, store.latency,
                kNanosecondsPerSecond);
}

// The app's own metrics, named with the app's name as prefix.
void RenderApp(PrometheusText& out, std::string_view app_name,
               const metrics::AppMetrics& app) {
  const std::string prefix = std::string(app_name) + "_";
  for (const auto& counter : app.counters()) {
    const std::string name = prefix + counter->name();
    out.Family(name, "counter", counter->help());
    out.Sample(name, {}, counter->Total());
  }
  for (const auto& histogram : app.histograms()) {
    const std::string name = prefix + histogram->name();
    const metrics::AppHistogramTotals read = histogram->Read();
    metrics::HistogramTotals totals(read.bounds);
    totals.buckets = read.buckets;
    totals.count = read.count;
    totals.sum = read.sum;
    out.Family(name, "histogram", histogram->help());
    out.Histogram(name, {}, totals, 1);
  }
}

void RenderProcess(PrometheusText& out, const ProcessStats& process) {
  out.Family("process_cpu_seconds_total", "counter",
             "User and system CPU time spent, in seconds.");
  out.Sample("process_cpu_seconds_total", {}, process.cpu_seconds);
  out.Family("process_resident_memory_bytes", "gauge",
             "Resident memory size in bytes.");
  out.Sample("process_resident_memory_bytes", {}, process.resident_bytes);
  out.Family("process_virtual_memory_bytes", "gauge",
             "Virtual memory size in bytes.");
  out.Sample("process_virtual_memory_bytes", {}, process.virtual_bytes);
  out.Family("process_open_fds", "gauge", "Open file descriptors.");
  out.Sample("process_open_fds", {}, process.open_fds);
  out.Family("process_max_fds", "gauge", "Most open file descriptors.");
  out.Sample("process_max_fds", {}, process.max_fds);
  out.Family("process_start_time_seconds", "gauge",
             "Start time of the process since the Unix epoch, in seconds.");
  out.Sample("process_start_time_seconds", {}, process.start_time_seconds);
}

void RenderBuild(PrometheusText& out, std::string_view release_id) {
  const BuildInfo& build = GetBuildInfo();
  out.Family("build_info", "gauge",
             "Always 1; the labels say what runs: version, commit, "
             "RELEASE_ID.");
  out.Sample("build_info",
             {{"version", build.version},
              {"commit", build.commit},
              {"release_id", release_id}},
             std::uint64_t{1});
}

}  // namespace

std::string RenderMetrics(const MetricsInput& input) {
  PrometheusText out;
  RenderRequests(out, input.server.requests);
  RenderConnections(out, input.server);
  RenderStore(out, input.store);
  if (input.app != nullptr) RenderApp(out, input.app_name, *input.app);
  RenderProcess(out, input.process);
  RenderBuild(out, input.release_id);
  return out.Take();
}

void AddMetricsRoute(Router& router, http::Server& server, std::string app_name,
                     std::string release_id) {
  router.Get("/metrics", [&server, app_name, release_id](const Request&) {
    const http::ServerStats stats = server.Stats();
    const StoreMetrics::Totals store = server.loops().store_metrics().Read();
    const ProcessStats process = ReadProcessStats();
    Response response = Response::Text(
        RenderMetrics({stats, store, process, release_id, app_name,
                       &server.loops().app_metrics()}));
    response.content_type =
        content_type::Constant{PrometheusText::kContentType};
    return response;
  });
}

}  // namespace twelve
