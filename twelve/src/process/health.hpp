#pragma once
// Health of the serving process: its phase and the app's readiness checks,
// and the kit's own routes that report them (/livez, /readyz, /version).

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "twelve/http/router.hpp"

namespace twelve {

class Health {
 public:
  enum class Phase { kStarting, kServing, kDraining };

  // Checks are added before serving starts and never after.
  void AddCheck(std::string name, std::function<bool()> ready);
  void SetPhase(Phase phase) { phase_.store(phase); }
  Phase phase() const { return phase_.load(); }

  struct Readiness {
    bool ready;        // serving and every check passes
    std::string json;  // the application/health+json body for /readyz
  };
  // Runs every check once, for /readyz. Safe from any thread.
  Readiness Evaluate() const;
  // The same verdict without building the body, for the control loop's
  // frequent checks.
  bool Ready() const;
  std::string ReadinessJson() const { return Evaluate().json; }

  struct CheckResult {
    std::string name;
    bool pass;
  };
  // Runs every check once, for the status page. Safe from any thread.
  std::vector<CheckResult> RunChecks() const;

  // Adds GET /livez, /readyz and /version to `router`.
  void AddRoutes(Router& router, std::string app_name,
                 std::string release_id) const;

 private:
  struct Check {
    std::string name;
    std::function<bool()> ready;
  };
  std::atomic<Phase> phase_{Phase::kStarting};
  std::vector<Check> checks_;
};

// "starting", "serving" or "draining".
const char* PhaseName(Health::Phase phase);

// The body of /version and `<app> version --json`.
std::string VersionJson(const std::string& app_name,
                        const std::string& release_id);

}  // namespace twelve
