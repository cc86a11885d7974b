#pragma once
// PeakMemory: how much this process's resident memory grew at its highest
// while a test ran, read from /proc (VmHWM, the peak of VmRSS, which
// /proc/self/clear_refs resets). A driver that buffered a 100 MB reply
// would show it here even if it gave the memory back afterwards.

#include <cstdint>
#include <fstream>
#include <string>

namespace twelve::test_support {

// What one byte of heap costs in resident memory in this build, for bounds
// on Growth(): ThreadSanitizer keeps shadow memory beside what the program
// touches (measured here: a bounded result of 8 MiB of rows grew the peak
// by 40 MB under TSan, 18 MB under ASan). AddressSanitizer's own overhead
// (an eighth, plus redzones) fits the bounds as they are.
#if defined(__SANITIZE_THREAD__)
inline constexpr std::int64_t kResidentPerHeapByte = 4;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr std::int64_t kResidentPerHeapByte = 4;
#else
inline constexpr std::int64_t kResidentPerHeapByte = 1;
#endif
#else
inline constexpr std::int64_t kResidentPerHeapByte = 1;
#endif

namespace process_memory_detail {

// A "Name:   123 kB" line of /proc/self/status, in bytes; 0 if absent.
inline std::int64_t StatusBytes(const std::string& name) {
  std::ifstream status("/proc/self/status");
  std::string key;
  std::int64_t kib = 0;
  std::string unit;
  while (status >> key) {
    if (key == name + ":" && status >> kib >> unit) return kib * 1024;
  }
  return 0;
}

}  // namespace process_memory_detail

class PeakMemory {
 public:
  // Starts measuring: the peak is reset to the current resident size.
  PeakMemory() {
    std::ofstream("/proc/self/clear_refs") << "5";
    start_ = process_memory_detail::StatusBytes("VmRSS");
  }
  // How far the peak rose above the resident size at construction.
  std::int64_t Growth() const {
    return process_memory_detail::StatusBytes("VmHWM") - start_;
  }

 private:
  std::int64_t start_ = 0;
};

}  // namespace twelve::test_support
