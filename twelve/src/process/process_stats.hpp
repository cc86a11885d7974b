#pragma once
// ProcessStats: what the kernel says of this process (/proc/self), for the
// standard process_* metrics and the status page.

#include <cstdint>

namespace twelve {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;  // RLIMIT_NOFILE's soft limit
  std::int64_t threads = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Reads /proc/self/stat, /proc/stat (the boot time) and /proc/self/fd. A
// file that cannot be read leaves its figures at 0.
ProcessStats ReadProcessStats();

}  // namespace twelve
