#include "process/serve_command.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <vector>

#include "config/config_report.hpp"
#include "config/setting_typos.hpp"
#include "http/server.hpp"
#include "process/admin_listener.hpp"
#include "process/event_loops.hpp"
#include "process/health.hpp"
#include "process/metrics_page.hpp"
#include "twelve/build_info.hpp"

namespace twelve {
namespace {

using Clock = std::chrono::steady_clock;

long long MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                               start)
      .count();
}

class ServeContextImpl final : public ServeContext {
 public:
  ServeContextImpl(const Settings& settings, const KitConfig& config,
                   const Logger& log, Router& router, EventLoops& loops,
                   Health& health)
      : settings_(settings),
        config_(config),
        log_(log),
        router_(router),
        loops_(loops),
        health_(health) {}

  const Settings& settings() const override { return settings_; }
  const KitConfig& config() const override { return config_; }
  const Logger& log() const override { return log_; }
  Router& router() override { return router_; }
  EventLoops& loops() override { return loops_; }
  metrics::AppMetrics& metrics() override { return loops_.app_metrics(); }
  void AddReadinessCheck(std::string name,
                         std::function<bool()> ready) override {
    health_.AddCheck(std::move(name), std::move(ready));
  }
  void OnShutdown(std::function<void()> stop) override {
    shutdown_hooks_.push_back(std::move(stop));
  }

  // Stops what the app started, newest first.
  void RunShutdownHooks() {
    for (auto hook = shutdown_hooks_.rbegin(); hook != shutdown_hooks_.rend();
         ++hook) {
      (*hook)();
    }
    shutdown_hooks_.clear();
  }

 private:
  const Settings& settings_;
  const KitConfig& config_;
  const Logger& log_;
  Router& router_;
  EventLoops& loops_;
  Health& health_;
  std::vector<std::function<void()>> shutdown_hooks_;
};

// Logs "ready" and "not ready" on each change of readiness.
//
// Checked every 5 ms while not ready, so that "ready" follows the store's
// connection by milliseconds (and startup_ms is true to them); every 100 ms
// while ready, so that an idle process sleeps instead of waking 200 times a
// second. A lost store's "not ready" can lag by that much; /readyz asks the
// checks themselves at once.
class ReadinessWatch {
 public:
  static constexpr std::chrono::milliseconds kWhileNotReady{5};
  static constexpr std::chrono::milliseconds kWhileReady{100};

  ReadinessWatch(const Health& health, const Logger& log,
                 Clock::time_point started)
      : health_(health), log_(log), started_(started) {}

  // Logs a change; returns how long until the next check.
  std::chrono::milliseconds Check() {
    const bool ready = health_.Ready();
    if (ready != ready_) {
      ready_ = ready;
      if (ready) {
        log_.Info("ready", {{"startup_ms", MillisecondsSince(started_)}});
      } else if (health_.phase() == Health::Phase::kServing) {
        log_.Warn("not ready", {{"readiness", health_.ReadinessJson()}});
      }
    }
    return ready_ ? kWhileReady : kWhileNotReady;
  }

 private:
  const Health& health_;
  const Logger& log_;
  Clock::time_point started_;
  bool ready_ = false;
};

// A variable that looks like a setting's typo is ignored like any unknown
// one; say so at start, naming it and the setting, never its value.
void LogSettingTypos(const Logger& log, const SettingsTable& table) {
  for (const SettingTypo& typo :
       FindSettingTypos(Environment::FromProcess(), table)) {
    log.Warn("unknown variable looks like a setting",
             {{"variable", typo.variable}, {"setting", typo.setting}});
  }
}

void LogStopped(const Logger& log, const http::ShutdownReport& report) {
  LogLevel level = report.requests_cut == 0 && report.connections_cut == 0
                       ? LogLevel::kInfo
                       : LogLevel::kError;
  log.Log(level, "stopped",
          {{"signal", report.signal},
           {"requests_served", report.requests_served},
           {"requests_cut", report.requests_cut},
           {"connections_cut", static_cast<long long>(report.connections_cut)},
           {"drain_ms", static_cast<long long>(report.drain_time.count())}});
}

}  // namespace

int RunServe(const ServeOptions& options) {
  const Clock::time_point started = Clock::now();
  const auto started_wall = std::chrono::system_clock::now();
  // A client that disconnects must not kill the process; write errors are
  // handled where they happen.
  std::signal(SIGPIPE, SIG_IGN);
  StdoutSink sink;
  const Result<LoadedConfig> loaded = LoadConfigOrReport(*options.table, sink);
  if (!loaded.ok()) return ExitCodeFor(loaded.status());
  const Settings& settings = loaded->settings;
  const KitConfig& config = loaded->kit;
  Logger log(sink, config.log.level, config.log.format);
  LogStarting(log, options.app_name, settings);
  LogSettingTypos(log, *options.table);

  Health health;
  health.AddRoutes(*options.router, options.app_name, config.release_id);
  http::Server server(config.server, *options.router, log,
                      config.log.access_log, config.admin.metrics);
  if (config.admin.metrics) {
    AddMetricsRoute(*options.router, server, options.app_name,
                    config.release_id);
  }
  ServeContextImpl context(settings, config, log, *options.router,
                           server.loops(), health);
  // What setup started (a store's threads and connections) must stop before
  // the server's loops are destroyed, on every way out.
  auto fail = [&](std::string_view what, const Status& status) {
    log.Error(what, {{"error", status.message()}});
    context.RunShutdownHooks();
    sink.Flush();
    return ExitCodeFor(status);
  };
  if (*options.setup) {
    Status status = (*options.setup)(context);
    if (!status.ok()) return fail("setup failed", status);
  }
  Status listening = server.Listen();
  if (!listening.ok()) return fail("cannot listen", listening);
  log.Info("listening", {{"address", config.server.bind},
                         {"port", static_cast<unsigned>(server.port())},
                         {"threads", config.server.threads}});
  const StatusSources status_sources{
      .app_name = options.app_name,
      .config = &config,
      .settings = &settings,
      .health = &health,
      .server = &server,
      .task_names = options.task_names,
      .started = started_wall,
      .config_fingerprint = ConfigFingerprint(settings)};
  std::unique_ptr<AdminListener> admin;
  if (config.admin.port != 0) {
    admin = std::make_unique<AdminListener>(status_sources, log);
    Status admin_listening = admin->Listen();
    if (!admin_listening.ok()) return fail("cannot listen", admin_listening);
    log.Info("admin listening",
             {{"address", config.admin.bind},
              {"port", static_cast<unsigned>(admin->port())},
              {"paths", "/status /status.json /metrics /livez /readyz"}});
    admin->Start(config.shutdown);
  }
  health.SetPhase(Health::Phase::kServing);

  ReadinessWatch readiness(health, log, started);
  http::ServeHooks hooks;
  hooks.on_tick = [&] { return readiness.Check(); };
  hooks.on_drain_start = [&](const std::string& signal) {
    health.SetPhase(Health::Phase::kDraining);
    log.Info(
        "draining",
        {{"signal", signal},
         {"delay_ms", static_cast<long long>(config.shutdown.delay.count())},
         {"timeout_ms",
          static_cast<long long>(config.shutdown.timeout.count())}});
  };
  hooks.on_second_signal = [&](const std::string& signal) {
    log.Error("second signal: exiting now", {{"signal", signal}});
    sink.Flush();
    std::_Exit(kExitFailure);
  };
  http::ShutdownReport report = server.Serve(config.shutdown, hooks);
  if (admin) admin->Join();  // drained on the same signal
  context.RunShutdownHooks();
  LogStopped(log, report);
  sink.Flush();
  return report.requests_cut == 0 && report.connections_cut == 0 ? kExitOk
                                                                 : kExitFailure;
}

}  // namespace twelve
