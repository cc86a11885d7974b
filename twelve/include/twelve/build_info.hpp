#pragma once
// What was built, stamped at build time (factor I: one codebase, many deploys).

#include <string_view>

namespace twelve {

struct BuildInfo {
  std::string_view version;     // project version, e.g. "0.1.0"
  std::string_view commit;      // git commit, "unknown" outside git
  std::string_view build_time;  // RFC 3339 UTC
  std::string_view compiler;    // e.g. "GCC 12.2.0"
  std::string_view build_type;  // "Release", "Debug", ...
};

const BuildInfo& GetBuildInfo();

}  // namespace twelve
