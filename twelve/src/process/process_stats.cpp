#include "process/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace twelve {
namespace {

// The fields of /proc/self/stat after the command name, which may hold
// spaces and parentheses: the fields start after the last ')'. Index 0 is
// field 3 (state) of proc(5).
std::vector<std::string> StatFields() {
  std::ifstream file("/proc/self/stat");
  std::string line;
  std::getline(file, line);
  const std::size_t end = line.rfind(')');
  std::vector<std::string> fields;
  if (end == std::string::npos) return fields;
  std::istringstream rest(line.substr(end + 1));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

std::uint64_t Field(const std::vector<std::string>& fields, std::size_t proc5) {
  const std::size_t index = proc5 - 3;
  if (index >= fields.size()) return 0;
  return std::stoull(fields[index]);
}

// The boot time, "btime" in /proc/stat, in seconds since the epoch.
std::uint64_t BootTime() {
  std::ifstream file("/proc/stat");
  for (std::string key; file >> key;) {
    if (key == "btime") {
      std::uint64_t seconds = 0;
      file >> seconds;
      return seconds;
    }
    file.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

std::uint64_t OpenDescriptors() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count > 0 ? count - 1 : 0;  // not the directory's own descriptor
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats stats;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const std::vector<std::string> fields = StatFields();
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  stats.cpu_seconds =
      static_cast<double>(Field(fields, 14) + Field(fields, 15)) / ticks;
  stats.threads = static_cast<std::int64_t>(Field(fields, 20));
  stats.start_time_seconds = static_cast<double>(BootTime()) +
                             static_cast<double>(Field(fields, 22)) / ticks;
  stats.virtual_bytes = Field(fields, 23);
  stats.resident_bytes = Field(fields, 24) * page;
  stats.open_fds = OpenDescriptors();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) stats.max_fds = limit.rlim_cur;
  return stats;
}

}  // namespace twelve
