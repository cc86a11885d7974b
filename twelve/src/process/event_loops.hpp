#pragma once
// EventLoops: the I/O threads as seen by backing-service drivers,
// which keep one connection per loop so that a handler's store call runs on
// the handler's own thread, and count what they do per loop (StoreMetrics);
// and the app's own metrics, counted per loop too (AppMetrics).

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <vector>

#include "backing/store_metrics.hpp"
#include "twelve/metrics/app_metrics.hpp"
#include "twelve/move_only_function.hpp"

namespace twelve {

class EventLoops {
 public:
  explicit EventLoops(std::vector<boost::asio::io_context*> contexts)
      : contexts_(std::move(contexts)),
        ready_io_(contexts_.size()),
        store_metrics_(contexts_.size()),
        app_metrics_(contexts_.size()) {}

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& context(std::size_t index) {
    return *contexts_.at(index);
  }
  StoreMetrics& store_metrics() { return store_metrics_; }
  const StoreMetrics& store_metrics() const { return store_metrics_; }
  metrics::AppMetrics& app_metrics() { return app_metrics_; }
  const metrics::AppMetrics& app_metrics() const { return app_metrics_; }

  // How loop `index` takes in the I/O that is ready on it now (the server
  // sets its worker's Poller dispatch; a task's loop has none). Set before
  // the loops run.
  void SetReadyIo(std::size_t index, MoveOnlyFunction<void()> take_in) {
    ready_io_.at(index) = std::move(take_in);
  }
  // On loop `index`'s thread, from a handler of its own: runs the handlers of
  // the I/O ready now (nothing without a ReadyIo).
  void TakeInReadyIo(std::size_t index) {
    if (ready_io_.at(index)) ready_io_[index]();
  }

  // The index of the loop running on the calling thread, or -1.
  int CurrentIndex() const {
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
      if (contexts_[i]->get_executor().running_in_this_thread()) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

 private:
  std::vector<boost::asio::io_context*> contexts_;
  std::vector<MoveOnlyFunction<void()>> ready_io_;
  StoreMetrics store_metrics_;
  metrics::AppMetrics app_metrics_;
};

}  // namespace twelve
