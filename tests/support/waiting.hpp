#pragma once
// Waiting, in a test's thread, for what the loops do: a condition polled
// until it holds, a future until a callback sets it. The limits are
// generous (the machine that runs the tests is shared and noisy): only a
// hang reaches them.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <thread>

namespace twelve::test_support {

inline constexpr std::chrono::milliseconds kTestWait = std::chrono::seconds(30);

// Polls `condition` every 5 ms; false if it still fails after `limit`.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds limit = kTestWait) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// The future's value. A future still unset after `limit` fails the test and
// aborts: the callback that would set it still refers to its promise, so
// the test cannot go on safely.
template <class T>
T Await(std::future<T>& future, std::chrono::milliseconds limit = kTestWait) {
  if (future.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "no callback within " << limit.count() << " ms";
    std::abort();
  }
  return future.get();
}

}  // namespace twelve::test_support
