#pragma once
// The process's exit codes, from sysexits.h where one fits: what a
// supervisor (systemd, Kubernetes, a CI job) reads to decide between a
// restart, an alert about config, or waiting for a backing service.

#include "twelve/status.hpp"

namespace twelve {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE
inline constexpr int kExitConfig = 78;       // EX_CONFIG

// The one mapping from an expected failure to an exit code, for `serve`
// (setup and listening), tasks and `doctor`: OK 0; kInvalidArgument 78 (fix the
// config); kUnavailable, kTimeout, kAmbiguous 69 (a service or resource the
// process needs is not there now: retry later); anything else 1.
int ExitCodeFor(const Status& status);

}  // namespace twelve
