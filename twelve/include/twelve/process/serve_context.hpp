#pragma once
// ServeContext: what the kit hands an app's OnServe setup (App::OnServe) once
// the config is valid and before the server listens: the settings, the logger,
// the router to add routes to, the I/O threads drivers run on, and the hooks
// that tie the app into readiness and the drain (factor IX).

#include <functional>
#include <string>

#include "twelve/config/kit_config.hpp"
#include "twelve/config/settings.hpp"
#include "twelve/http/router.hpp"
#include "twelve/log/logger.hpp"
#include "twelve/metrics/app_metrics.hpp"

namespace twelve {

class EventLoops;  // the server's I/O threads; used by backing-service drivers

// Given to the app's OnServe setup once the config is valid, before the
// server listens. Everything it hands out lives until the process exits.
class ServeContext {
 public:
  virtual ~ServeContext() = default;
  virtual const Settings& settings() const = 0;
  virtual const KitConfig& config() const = 0;
  virtual const Logger& log() const = 0;
  virtual Router& router() = 0;
  virtual EventLoops& loops() = 0;
  // The app's own counters and histograms on /metrics (register them here,
  // before serving; see twelve/metrics/app_metrics.hpp).
  virtual metrics::AppMetrics& metrics() = 0;
  // /readyz answers 200 only while every check returns true. Checks run on
  // I/O threads and must not block.
  virtual void AddReadinessCheck(std::string name,
                                 std::function<bool()> ready) = 0;
  // Runs after the server has drained, in reverse order of registration.
  virtual void OnShutdown(std::function<void()> stop) = 0;
};

}  // namespace twelve
