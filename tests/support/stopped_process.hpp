#pragma once
// WaitStopped: waits until a process that was sent SIGSTOP has stopped.
// kill() only queues the signal: a server that runs on another core may
// still answer a request sent right after it, which made a test that
// pauses a server to see a timeout get an answer instead.

#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace twelve::test_support {

// True once /proc says `pid` is stopped ('T'), false if it is gone or does
// not stop within a few seconds.
inline bool WaitStopped(pid_t pid) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    // "pid (comm) state ...": comm may hold spaces and parentheses.
    const std::size_t end_of_name = line.rfind(')');
    if (end_of_name != std::string::npos && end_of_name + 2 < line.size() &&
        line[end_of_name + 2] == 'T') {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace twelve::test_support
