#pragma once
// App: the process edge. It turns argv and the environment into a running,
// well-behaved service, so an app's main() stays a few lines long.
//
//   welcome [serve]      serve HTTP on $PORT until SIGTERM/SIGINT (default)
//   welcome config       print the effective config (secrets masked)
//   welcome version      print build information
//   welcome healthcheck  exit 0 when the local server's /readyz answers 200
//   welcome <task>       run an admin task added with AddTask (factor XII)
//
// Exit codes: 0 clean, 1 failure, 2 usage, 78 bad configuration (EX_CONFIG),
// 69 a required service unavailable (EX_UNAVAILABLE, used by tasks).
//
// Serving: settings parsed and validated (all errors reported, exit 78) ->
// "starting" event with the effective config -> the app's OnServe setup ->
// bind $BIND:$PORT -> "listening" -> "ready" once every readiness check
// passes. On the first SIGTERM/SIGINT: /readyz answers 503, after
// SHUTDOWN_DELAY the listener closes, idle connections close, in-flight
// requests finish (their responses carry Connection: close) -> shutdown hooks
// run in reverse order -> "stopped" event; exit 0 if nothing was cut. Requests
// still running after SHUTDOWN_TIMEOUT are cut and the exit code is 1. A
// second signal exits at once.

#include <functional>
#include <memory>
#include <string>

#include "twelve/config.hpp"
#include "twelve/log.hpp"
#include "twelve/router.hpp"
#include "twelve/settings.hpp"
#include "twelve/status.hpp"

namespace twelve {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE
inline constexpr int kExitConfig = 78;       // EX_CONFIG

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
  // /readyz answers 200 only while every check returns true. Checks run on
  // I/O threads and must not block.
  virtual void AddReadinessCheck(std::string name,
                                 std::function<bool()> ready) = 0;
  // Runs after the server has drained, in reverse order of registration.
  virtual void OnShutdown(std::function<void()> stop) = 0;
};

// Given to an admin task: the same config and logs as the web process.
struct TaskContext {
  const Settings& settings;
  const KitConfig& config;
  const Logger& log;
};

class App {
 public:
  explicit App(std::string name);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Routes that need no setup can be added here directly.
  Router& router();
  // The settings table, with the kit's settings already in it.
  SettingsTable& settings();

  // Runs when serving starts, after config validation. A non-OK status stops
  // the process: exit 78 for kInvalidArgument, 1 otherwise.
  void OnServe(std::function<Status(ServeContext&)> setup);

  // Adds a one-off admin command. `run` returns the process exit code.
  void AddTask(std::string name, std::string doc,
               std::function<int(const TaskContext&)> run);

  // Parses argv, runs the command and returns the process exit code. Never
  // throws: an escaped exception is logged and gives exit code 1.
  int Run(int argc, char** argv);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twelve
