#pragma once
// App: the process edge. It turns argv and the environment into a running,
// well-behaved service, so an app's main() stays a few lines long.
//
//   welcome [serve]      serve HTTP on $PORT until SIGTERM/SIGINT (default)
//   welcome config       print the effective config (secrets masked)
//   welcome version      print build information
//   welcome healthcheck  exit 0 when the local server's /readyz answers 200
//   welcome doctor       check config, environment, port, stdout, filesystem
//                        and the app's checks (AddDoctorCheck); one line each
//   welcome <task>       run an admin task added with AddTask (factor XII)
//
// Exit codes: 0 clean, 1 failure, 2 usage, 78 bad configuration (EX_CONFIG),
// 69 a required service unavailable (EX_UNAVAILABLE, used by tasks and
// doctor); ExitCodeFor() in exit_codes.hpp maps a Status to one.
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

#include "twelve/config/settings.hpp"
#include "twelve/http/router.hpp"
#include "twelve/process/exit_codes.hpp"
#include "twelve/process/serve_context.hpp"
#include "twelve/process/task_context.hpp"
#include "twelve/status.hpp"

namespace twelve {

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

  // Adds a check to `doctor`, run after the kit's own (config, port, ...)
  // when the config is valid. `check` returns what it found ("redis://r:6379
  // reachable") or the failure, whose Status gives the exit code
  // (ExitCodeFor: kUnavailable 69, kInvalidArgument 78, others 1). It must
  // write nothing to the filesystem and finish within its own timeouts.
  void AddDoctorCheck(
      std::string name,
      std::function<Result<std::string>(const TaskContext&)> check);

  // Parses argv, runs the command and returns the process exit code. Never
  // throws: an escaped exception is logged and gives exit code 1.
  int Run(int argc, char** argv);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twelve
