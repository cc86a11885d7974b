#include "process/status_snapshot.hpp"

#include <nettle/sha2.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>

#include "process/event_loops.hpp"
#include "process/process_stats.hpp"
#include "twelve/build_info.hpp"

namespace twelve {
namespace {

using Clock = std::chrono::system_clock;

std::string Bytes(std::uint64_t bytes) {
  char text[32];
  const double mib = static_cast<double>(bytes) / (1024.0 * 1024.0);
  std::snprintf(text, sizeof text, "%.1f MiB", mib);
  return text;
}

// "42s", "3m 07s", "5h 02m", "2d 04h": the two largest units.
std::string Duration(std::chrono::seconds elapsed) {
  const long long s = elapsed.count();
  char text[48];
  if (s < 60) {
    std::snprintf(text, sizeof text, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(text, sizeof text, "%lldm %02llds", s / 60, s % 60);
  } else if (s < 86400) {
    std::snprintf(text, sizeof text, "%lldh %02lldm", s / 3600, s / 60 % 60);
  } else {
    std::snprintf(text, sizeof text, "%lldd %02lldh", s / 86400, s / 3600 % 24);
  }
  return text;
}

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", seconds);
  return text;
}

std::string Utc(Clock::time_point at) {
  const std::time_t seconds = Clock::to_time_t(at);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string Shown(const Settings& settings, std::string_view name) {
  for (const Settings::Shown& shown : settings.Effective()) {
    if (shown.name == name) return shown.value.empty() ? "unset" : shown.value;
  }
  return "unset";
}

// Backing services are attached by URL settings (REDIS_URL, DATABASE_URL):
// the ones set, masked.
StatusSnapshot::Rows StoreUrls(const Settings& settings) {
  StatusSnapshot::Rows rows;
  for (const Settings::Shown& shown : settings.Effective()) {
    const std::string& name = shown.name;
    if (name.size() > 4 && name.ends_with("_URL") && !shown.value.empty()) {
      rows.emplace_back(name, shown.value);
    }
  }
  return rows;
}

void AddLive(StatusSnapshot& out, const http::ServerStats& stats,
             const StoreMetrics::Totals& store, const ProcessStats& process,
             std::chrono::seconds uptime) {
  const http::RequestTotals& requests = stats.requests;
  std::uint64_t rejected = 0;
  for (std::uint64_t n : requests.rejected) rejected += n;
  out.requests = stats.requests_served;
  out.live = {
      {"requests", std::to_string(stats.requests_served)},
      {"errors", std::to_string(requests.ServerErrors())},
      {"rejected", std::to_string(rejected)},
      {"store_operations", std::to_string(store.operations)},
      {"store_errors", std::to_string(store.errors)},
      {"store_reconnects", std::to_string(store.reconnects)},
      {"connections", std::to_string(stats.open_connections)},
      {"uptime", Duration(uptime)},
      {"rss", Bytes(process.resident_bytes)},
      {"fds", std::to_string(process.open_fds)},
      {"cpu", Seconds(process.cpu_seconds)},
      {"os_threads", std::to_string(process.threads)},
  };
}

// The app's counters, named as /metrics names them.
void AddAppFigures(StatusSnapshot& out, const std::string& app_name,
                   const metrics::AppMetrics& app) {
  for (const auto& counter : app.counters()) {
    std::string id = app_name + "_" + counter->name();
    out.live.emplace_back(id, std::to_string(counter->Total()));
    out.app_figures.emplace_back(std::move(id), counter->help());
  }
}

void AddFactors(StatusSnapshot& out, const StatusSources& sources,
                const std::string& store_kind) {
  const KitConfig& config = *sources.config;
  const Settings& settings = *sources.settings;
  const BuildInfo& build = GetBuildInfo();
  std::string tasks;
  for (const std::string& task : sources.task_names) {
    tasks += (tasks.empty() ? "" : ", ") + sources.app_name + " " + task;
  }
  std::string urls;
  for (const auto& [name, url] : StoreUrls(settings)) {
    urls += (urls.empty() ? "" : ", ") + name + "=" + url;
  }
  const std::string store = store_kind.empty() ? "none" : store_kind;
  const std::string admin = config.admin.port == 0
                                ? "no admin listener"
                                : "admin on " + config.admin.bind + ":" +
                                      std::to_string(config.admin.port);
  out.factors = {
      {"I", "Codebase",
       "one codebase, version " + std::string(build.version) + " at commit " +
           std::string(build.commit)},
      {"II", "Dependencies",
       "declared as Debian packages (deps/); " + std::string(build.compiler) +
           ", " + std::string(build.build_type) + " build"},
      {"III", "Config",
       std::to_string(settings.Effective().size()) +
           " settings read once from the environment; fingerprint " +
           sources.config_fingerprint},
      {"IV", "Backing services",
       urls.empty() ? "no store attached"
                    : store + " attached by URL: " + urls},
      {"V", "Build, release, run",
       "built " + std::string(build.build_time) + "; release " +
           (config.release_id.empty() ? "unset (RELEASE_ID)"
                                      : config.release_id)},
      {"VI", "Processes",
       "stateless: the count lives in the store (" + store + ")"},
      {"VII", "Port binding",
       "serves HTTP on " + config.server.bind + ":" +
           std::to_string(config.server.port) + "; " + admin},
      {"VIII", "Concurrency",
       std::to_string(config.server.threads) +
           " I/O threads (WEB_THREADS); REUSE_PORT=" +
           Shown(settings, "REUSE_PORT") + " to scale by processes"},
      {"IX", "Disposability",
       "drains on SIGTERM: SHUTDOWN_DELAY=" +
           Shown(settings, "SHUTDOWN_DELAY") +
           ", SHUTDOWN_TIMEOUT=" + Shown(settings, "SHUTDOWN_TIMEOUT")},
      {"X", "Dev/prod parity",
       "the same binary and stores everywhere, chosen by URL alone"},
      {"XI", "Logs",
       "one " + Shown(settings, "LOG_FORMAT") +
           " event per line on stdout, LOG_LEVEL=" +
           Shown(settings, "LOG_LEVEL") +
           ", ACCESS_LOG=" + Shown(settings, "ACCESS_LOG")},
      {"XII", "Admin processes",
       tasks.empty() ? "no admin tasks"
                     : "one-off tasks in the same binary: " + tasks},
  };
}

}  // namespace

std::string ConfigFingerprint(const Settings& settings) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  for (const Settings::Shown& shown : settings.Effective()) {
    const std::string line = shown.name + "=" + shown.value + "\n";
    sha256_update(&ctx, line.size(),
                  reinterpret_cast<const std::uint8_t*>(line.data()));
  }
  std::uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof digest, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 8; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

StatusSnapshot TakeStatusSnapshot(const StatusSources& sources) {
  StatusSnapshot out;
  const KitConfig& config = *sources.config;
  const BuildInfo& build = GetBuildInfo();
  const http::ServerStats stats = sources.server->Stats();
  const StoreMetrics::Totals store =
      sources.server->loops().store_metrics().Read();
  const ProcessStats process = ReadProcessStats();
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      Clock::now() - sources.started);
  out.app_name = sources.app_name;
  out.phase = PhaseName(sources.health->phase());
  out.ready = sources.health->Ready();
  AddLive(out, stats, store, process, uptime);
  AddAppFigures(out, sources.app_name, sources.server->loops().app_metrics());
  out.release = {
      {"version", std::string(build.version)},
      {"commit", std::string(build.commit)},
      {"built", std::string(build.build_time)},
      {"build",
       std::string(build.build_type) + ", " + std::string(build.compiler)},
      {"RELEASE_ID", config.release_id.empty() ? "unset" : config.release_id},
      {"config fingerprint", sources.config_fingerprint},
  };
  out.process = {
      {"pid", std::to_string(::getpid())},
      {"started", Utc(sources.started)},
      {"WEB_THREADS", std::to_string(config.server.threads)},
      {"listening",
       config.server.bind + ":" + std::to_string(config.server.port)},
  };
  out.store = {{"kind", store.kind.empty() ? "none" : store.kind}};
  for (auto& row : StoreUrls(*sources.settings)) out.store.push_back(row);
  for (const Health::CheckResult& check : sources.health->RunChecks()) {
    out.store.emplace_back("ready: " + check.name,
                           check.pass ? "pass" : "fail");
  }
  for (const Settings::Shown& shown : sources.settings->Effective()) {
    out.config.emplace_back(shown.name,
                            (shown.value.empty() ? "unset" : shown.value) +
                                (shown.is_default ? " (default)" : ""));
  }
  AddFactors(out, sources, store.kind);
  return out;
}

std::string StatusJson(const StatusSnapshot& snapshot) {
  boost::json::object live;
  for (const auto& [id, text] : snapshot.live) live[id] = text;
  boost::json::object body;
  body["app"] = snapshot.app_name;
  body["phase"] = snapshot.phase;
  body["ready"] = snapshot.ready;
  body["requests"] = snapshot.requests;
  body["live"] = std::move(live);
  return boost::json::serialize(body);
}

}  // namespace twelve
