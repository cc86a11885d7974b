#pragma once
// SharedCallback: a store's move-only callback made copyable, for the kit's
// clients, whose callbacks are std::function (a copyable target). It holds
// the callback behind a shared_ptr: one allocation per store call, which
// the coalescing store makes once per batch, not per visit.

#include <memory>
#include <utility>

namespace welcome {

template <class Callback>
class SharedCallback {
 public:
  explicit SharedCallback(Callback done)
      : done_(std::make_shared<Callback>(std::move(done))) {}

  template <class... Args>
  void operator()(Args&&... args) const {
    (*done_)(std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<Callback> done_;
};

}  // namespace welcome
