#pragma once
// `<app> doctor`: checks, before the process serves, what the twelve factors
// ask of it, and prints one line per check:
//
//   ok   stdout: writable (a pipe)
//   ok   config: 20 settings valid
//   warn env: WEB_THREAD is not a setting; did you mean WEB_THREADS?
//   ok   port: 0.0.0.0:5000 can be bound
//   info filesystem: the app writes /srv/welcome.db (DATABASE_URL, SQLite)
//   FAIL store: postgres://u:********@db/app unreachable: ...
//
// The kit's checks (stdout, config, env, port, filesystem) come first, then
// the app's (App::AddDoctorCheck), which get a TaskContext as a task does.
// The doctor itself writes nothing to the filesystem; its store's events
// go to stderr, so stdout holds the check lines only.
//
// Exit code: the most fundamental failure's, by ExitCodeFor(): 78 when the
// config is invalid (the other checks that need it are skipped), else 69
// when a check found something the process needs unavailable (store down or
// not migrated, port in use), else 1 for any other failure (stdout not
// writable), else 0. A warning (a variable that looks like a typo of a
// setting) does not change it: the config check already fails for a
// setting that is required.

#include <functional>
#include <string>
#include <vector>

#include "twelve/config/settings.hpp"
#include "twelve/process/task_context.hpp"
#include "twelve/status.hpp"

namespace twelve {

struct DoctorCheck {
  std::string name;
  std::function<Result<std::string>(const TaskContext&)> run;
};

// Runs every check against the process's environment; returns the exit code.
int RunDoctor(const SettingsTable& table,
              const std::vector<DoctorCheck>& app_checks);

}  // namespace twelve
