#pragma once
// `<app> serve`: the web process, from validated settings to a clean exit.

#include <functional>
#include <string>
#include <vector>

#include "twelve/process/app.hpp"

namespace twelve {

struct ServeOptions {
  std::string app_name;
  const SettingsTable* table;
  Router* router;
  const std::function<Status(ServeContext&)>* setup;  // may hold nothing
  std::vector<std::string> task_names;  // for the status page (XII)
};

// Returns the process exit code.
int RunServe(const ServeOptions& options);

}  // namespace twelve
