// AvailableCpus(): the default for WEB_THREADS. Not config: it reads the
// limits the platform put on this process (its affinity mask and its cgroup's
// CPU quota), the way a container runtime or `taskset` expresses "you get N
// CPUs". Reading /sys/fs/cgroup is therefore no config file; the operator's
// knob stays WEB_THREADS.
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "config/setting_values.hpp"
#include "twelve/config/kit_config.hpp"

namespace twelve {
namespace {

// Grows the mask until the kernel's fits, so machines with more than
// CPU_SETSIZE (1024) CPUs are counted too.
std::optional<int> AffinityCpus() {
  for (int cpus = CPU_SETSIZE; cpus <= (1 << 20); cpus *= 2) {
    const std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> set(
        CPU_ALLOC(cpus), [](cpu_set_t* s) { CPU_FREE(s); });
    if (set == nullptr) return std::nullopt;
    const std::size_t size = CPU_ALLOC_SIZE(cpus);
    CPU_ZERO_S(size, set.get());
    if (sched_getaffinity(0, size, set.get()) == 0) {
      return CPU_COUNT_S(size, set.get());
    }
    if (errno != EINVAL) return std::nullopt;  // EINVAL: mask too small
  }
  return std::nullopt;
}

// "max 100000" (no quota) or "150000 100000": 1.5 CPUs, rounded up to 2.
std::optional<int> QuotaCpus(const std::string& cpu_max_path) {
  std::ifstream file(cpu_max_path);
  std::string quota_text;
  std::string period_text;
  if (!(file >> quota_text >> period_text)) return std::nullopt;
  const std::optional<std::int64_t> quota = ParseInteger(quota_text);
  const std::optional<std::int64_t> period = ParseInteger(period_text);
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  const std::int64_t cpus = *quota / *period + (*quota % *period != 0);
  return static_cast<int>(
      std::min<std::int64_t>(cpus, std::numeric_limits<int>::max()));
}

// This process's cgroup v2 path ("/system.slice/x.service"), from the "0::"
// line of /proc/self/cgroup.
std::string OwnCgroup() {
  std::ifstream file("/proc/self/cgroup");
  for (std::string line; std::getline(file, line);) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return "/";
}

// The tightest cpu.max from this cgroup up to the root: a parent's quota
// limits its children too. Missing files (cgroup v1, or a cgroup namespace
// that hides the path) are skipped.
std::optional<int> CgroupCpus() {
  std::optional<int> tightest;
  std::string cgroup = OwnCgroup();
  while (true) {
    const std::string dir = "/sys/fs/cgroup" + (cgroup == "/" ? "" : cgroup);
    if (const std::optional<int> cpus = QuotaCpus(dir + "/cpu.max")) {
      tightest = std::min(tightest.value_or(*cpus), *cpus);
    }
    if (cgroup.empty() || cgroup == "/") return tightest;
    const std::size_t slash = cgroup.rfind('/');
    cgroup.erase(slash == std::string::npos ? 0 : slash);
  }
}

}  // namespace

int AvailableCpus() {
  int cpus = AffinityCpus().value_or(
      static_cast<int>(std::thread::hardware_concurrency()));
  if (const std::optional<int> quota = CgroupCpus())
    cpus = std::min(cpus, *quota);
  return std::max(cpus, 1);
}

}  // namespace twelve
