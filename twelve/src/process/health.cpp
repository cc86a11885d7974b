#include "process/health.hpp"

#include <boost/json.hpp>

#include "twelve/build_info.hpp"

namespace twelve {

const char* PhaseName(Health::Phase phase) {
  switch (phase) {
    case Health::Phase::kStarting:
      return "starting";
    case Health::Phase::kServing:
      return "serving";
    case Health::Phase::kDraining:
      return "draining";
  }
  return "unknown";
}

void Health::AddCheck(std::string name, std::function<bool()> ready) {
  checks_.push_back(Check{std::move(name), std::move(ready)});
}

std::vector<Health::CheckResult> Health::RunChecks() const {
  std::vector<CheckResult> results;
  for (const Check& check : checks_) {
    results.push_back(CheckResult{check.name, check.ready()});
  }
  return results;
}

bool Health::Ready() const {
  if (phase() != Phase::kServing) return false;
  for (const Check& check : checks_) {
    if (!check.ready()) return false;
  }
  return true;
}

Health::Readiness Health::Evaluate() const {
  boost::json::object checks;
  bool all_pass = true;
  for (const Check& check : checks_) {
    bool pass = check.ready();
    all_pass = all_pass && pass;
    checks[check.name] = pass ? "pass" : "fail";
  }
  Phase now = phase();
  boost::json::object body;
  const bool ready = now == Phase::kServing && all_pass;
  body["status"] = ready ? "pass" : "fail";
  body["phase"] = PhaseName(now);
  if (!checks.empty()) body["checks"] = std::move(checks);
  return Readiness{ready, boost::json::serialize(body)};
}

void Health::AddRoutes(Router& router, std::string app_name,
                       std::string release_id) const {
  router.Get("/livez", [](const Request&) {
    Response response = Response::Json(R"({"status":"pass"})");
    response.content_type = content_type::kHealthJson;
    return response;
  });
  router.Get("/readyz", [this](const Request&) {
    Readiness readiness = Evaluate();
    Response response =
        Response::Json(std::move(readiness.json), readiness.ready ? 200 : 503);
    response.content_type = content_type::kHealthJson;
    return response;
  });
  std::string version = VersionJson(app_name, release_id);
  router.Get("/version",
             [version](const Request&) { return Response::Json(version); });
}

std::string VersionJson(const std::string& app_name,
                        const std::string& release_id) {
  const BuildInfo& build = GetBuildInfo();
  boost::json::object body;
  body["name"] = app_name;
  body["version"] = build.version;
  body["commit"] = build.commit;
  body["build_time"] = build.build_time;
  body["compiler"] = build.compiler;
  body["build_type"] = build.build_type;
  body["release_id"] = release_id;
  return boost::json::serialize(body);
}

}  // namespace twelve
