#pragma once
// RunningLoops: I/O threads as the server runs them, one io_context and one
// thread each, for tests of the store drivers.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "process/event_loops.hpp"

namespace twelve::test_support {

class RunningLoops {
 public:
  explicit RunningLoops(std::size_t count) {
    std::vector<boost::asio::io_context*> raw;
    for (std::size_t i = 0; i < count; ++i) {
      contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
      raw.push_back(contexts_.back().get());
    }
    loops_ = std::make_unique<EventLoops>(raw);
    Run();
  }
  ~RunningLoops() { Stop(); }
  RunningLoops(const RunningLoops&) = delete;
  RunningLoops& operator=(const RunningLoops&) = delete;

  EventLoops& loops() { return *loops_; }
  boost::asio::io_context& context(std::size_t loop) {
    return *contexts_.at(loop);
  }
  // `fn` may be move-only, as the kit's callbacks are.
  template <class Work>
  void Post(std::size_t loop, Work fn) {
    boost::asio::post(context(loop), std::move(fn));
  }
  // Waits until loop `loop` has run what was posted to it so far (but not
  // what that posted in turn).
  void Sync(std::size_t loop) {
    std::promise<void> done;
    Post(loop, [&done] { done.set_value(); });
    done.get_future().wait();
  }
  void Stop() {
    guards_.clear();
    for (auto& context : contexts_) context->stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }
  // After Stop(): runs the same io_contexts again.
  void Run() {
    for (auto& context : contexts_) {
      context->restart();
      guards_.emplace_back(boost::asio::make_work_guard(*context));
      threads_.emplace_back([c = context.get()] { c->run(); });
    }
  }

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      guards_;
  std::unique_ptr<EventLoops> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace twelve::test_support
