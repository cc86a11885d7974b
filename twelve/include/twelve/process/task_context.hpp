#pragma once
// TaskContext: what the kit hands an admin task (App::AddTask, factor XII):
// the same settings, config and logger as the web process, so a one-off
// process runs against the same release and environment.

#include "twelve/config/kit_config.hpp"
#include "twelve/config/settings.hpp"
#include "twelve/log/logger.hpp"

namespace twelve {

// Given to an admin task: the same config and logs as the web process.
struct TaskContext {
  const Settings& settings;
  const KitConfig& config;
  const Logger& log;
};

}  // namespace twelve
