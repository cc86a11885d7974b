#include "twelve/process/task_loop.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>

#include "process/event_loops.hpp"

namespace twelve {
namespace asio = boost::asio;

class TaskLoop::Impl {
 public:
  Impl() : loops_({&io_}) {}

  // Runs the loop until `done()` or the deadline. The state the callback
  // writes is shared, so a late answer after a timeout is harmless.
  template <typename T>
  std::optional<T> RunUntil(
      const std::function<void(std::function<void(T)>)>& start,
      std::chrono::milliseconds timeout) {
    auto answer = std::make_shared<std::optional<T>>();
    asio::post(io_, [start, answer] {
      start([answer](T value) { *answer = std::move(value); });
    });
    io_.restart();
    // The answer may come from another thread (SQLite's) as a post: keep the
    // loop waiting for it even when it has nothing else to do.
    auto guard = asio::make_work_guard(io_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!answer->has_value()) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) break;
      io_.run_one_for(left);
    }
    return *answer;
  }

  asio::io_context io_{1};
  EventLoops loops_;
};

TaskLoop::TaskLoop() : impl_(std::make_unique<Impl>()) {}
TaskLoop::~TaskLoop() = default;

EventLoops& TaskLoop::loops() { return impl_->loops_; }

Status TaskLoop::Timeout() {
  return Status::Timeout("no answer from the store in time");
}

Status TaskLoop::RunUntilDone(
    const std::function<void(std::function<void()>)>& start,
    std::chrono::milliseconds timeout) {
  std::function<void(std::function<void(bool)>)> adapted =
      [&start](std::function<void(bool)> done) {
        start([done = std::move(done)] { done(true); });
      };
  if (!impl_->RunUntil<bool>(adapted, timeout)) return Timeout();
  return Status::Ok();
}

}  // namespace twelve
