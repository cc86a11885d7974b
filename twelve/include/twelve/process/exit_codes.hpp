#pragma once
// The process's exit codes, from sysexits.h where one fits: what a
// supervisor (systemd, Kubernetes, a CI job) reads to decide between a
// restart, an alert about config, or waiting for a backing service.

namespace twelve {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE
inline constexpr int kExitConfig = 78;       // EX_CONFIG

}  // namespace twelve
