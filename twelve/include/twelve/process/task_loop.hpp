#pragma once
// TaskLoop: an event loop of its own for one-off admin tasks (factor XII),
// so that a task uses the very drivers the web process uses, blocking only
// the task's own thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "twelve/status.hpp"

namespace twelve {

class EventLoops;

class TaskLoop {
 public:
  TaskLoop();
  ~TaskLoop();
  TaskLoop(const TaskLoop&) = delete;
  TaskLoop& operator=(const TaskLoop&) = delete;

  // One loop, run by the calling thread inside Run().
  EventLoops& loops();

  // The form for any client (redis::Client's and sql::BlockingClient's
  // blocking calls use it): runs `start` on the loop and blocks until
  // `start`'s work calls `done` (once, on the loop: work done on another
  // thread posts it there), or until `timeout` passes (kTimeout). The work
  // may still finish later, on a later run of the loop, so what it reports
  // must live in state it shares with the caller.
  Status RunUntilDone(const std::function<void(std::function<void()>)>& start,
                      std::chrono::milliseconds timeout);

  // RunUntilDone for work that reports a value: runs `start` on the loop,
  // handing it the callback to report a T with, and returns that T, or
  // kTimeout when `timeout` passes first. T is Status or a Result<...>.
  //
  //   Result<std::int64_t> count = loop.RunFor<Result<std::int64_t>>(
  //       [&](auto done) { counter.Get("hits", std::move(done)); }, timeout);
  template <typename T>
  T RunFor(const std::function<void(std::function<void(T)>)>& start,
           std::chrono::milliseconds timeout) {
    // Shared: a late answer, after the timeout, must still have a home.
    auto answer = std::make_shared<std::optional<T>>();
    const Status waited = RunUntilDone(
        [&start, answer](std::function<void()> finish) {
          start([answer, finish = std::move(finish)](T value) {
            *answer = std::move(value);
            finish();
          });
        },
        timeout);
    if (!waited.ok() || !answer->has_value()) return T(Timeout());
    return std::move(**answer);
  }

 private:
  static Status Timeout();

  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twelve
