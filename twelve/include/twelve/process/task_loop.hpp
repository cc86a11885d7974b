#pragma once
// TaskLoop: an event loop of its own for one-off admin tasks (factor XII),
// so that a task uses the very drivers the web process uses, blocking only
// the task's own thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "twelve/backing/counter_store.hpp"
#include "twelve/status.hpp"

namespace twelve {

class TaskLoop {
 public:
  TaskLoop();
  ~TaskLoop();
  TaskLoop(const TaskLoop&) = delete;
  TaskLoop& operator=(const TaskLoop&) = delete;

  // One loop, run by the calling thread inside Run().
  EventLoops& loops();

  // Runs `start` on the loop and blocks until it calls its callback, or
  // until `timeout` passes (kTimeout). Two names, because a callback taking
  // a Status would also accept a Result.
  Result<std::int64_t> RunForValue(
      const std::function<void(CounterStore::ValueCallback)>& start,
      std::chrono::milliseconds timeout);
  Status RunForStatus(
      const std::function<void(CounterStore::StatusCallback)>& start,
      std::chrono::milliseconds timeout);
  // The form for any client (redis::Client's and sql::BlockingClient's
  // blocking calls use it): runs `start` on the loop and blocks until
  // `start`'s work calls `done` (once, on the loop: work done on another
  // thread posts it there), or until `timeout` passes (kTimeout). The work
  // may still finish later, on a later run of the loop, so what it reports
  // must live in state it shares with the caller.
  Status RunUntilDone(const std::function<void(std::function<void()>)>& start,
                      std::chrono::milliseconds timeout);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twelve
