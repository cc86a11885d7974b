#pragma once
// StatusSnapshot: what the status page shows of this process at one moment
// (issue 14): the release, the config (secrets masked), the attached store
// and its health, the process, the live figures and the twelve factors.
// The page's HTML and /status.json are both rendered from one snapshot, so
// the figures the page refreshes are the ones it was first drawn with.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "http/server.hpp"
#include "process/health.hpp"
#include "twelve/config/kit_config.hpp"
#include "twelve/config/settings.hpp"

namespace twelve {

// What the snapshot reads; everything lives as long as the serving process.
struct StatusSources {
  std::string app_name;
  const KitConfig* config = nullptr;
  const Settings* settings = nullptr;
  const Health* health = nullptr;
  http::Server* server = nullptr;
  std::vector<std::string> task_names;
  std::chrono::system_clock::time_point started;
  std::string config_fingerprint;  // ConfigFingerprint(*settings)
};

struct StatusSnapshot {
  using Rows = std::vector<std::pair<std::string, std::string>>;
  struct Factor {
    std::string number;  // "III"
    std::string name;    // "Config"
    std::string here;    // what honours it in this process
  };

  std::string app_name;
  std::string phase;  // "serving", ...
  bool ready = false;
  std::uint64_t requests = 0;  // for the page's requests per second
  // Element id -> shown text; the page's JS replaces each element's text.
  Rows live;
  // The app's counters: id (its metric name) -> label (its help); their
  // values are in `live`.
  Rows app_figures;
  Rows release;
  Rows process;
  Rows store;
  Rows config;  // NAME -> value, secrets masked
  std::vector<Factor> factors;
};

StatusSnapshot TakeStatusSnapshot(const StatusSources& sources);

// The first 16 hex digits of SHA-256 over the effective config as shown
// (NAME=value lines, secrets masked): equal fingerprints, equal config. A
// secret's value is not part of it, so it can be shown and compared freely.
std::string ConfigFingerprint(const Settings& settings);

// /status.json: {"app", "phase", "ready", "requests", "live": {id: text}}.
std::string StatusJson(const StatusSnapshot& snapshot);

}  // namespace twelve
