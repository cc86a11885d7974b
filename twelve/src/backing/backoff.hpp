#pragma once
// Backoff: how long to wait before the next reconnect attempt. Exponential
// from `min` to `max`, each wait jittered by +-50% so that many processes
// that lost the same store do not reconnect in lockstep.

#include <chrono>
#include <random>

namespace twelve::backing {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
      : min_(min), max_(max), next_(min), rng_(std::random_device{}()) {}

  // The wait before the next attempt; doubles the one after.
  std::chrono::milliseconds Next() {
    std::chrono::milliseconds base = next_;
    next_ = std::min(max_, next_ * 2);
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    return std::chrono::milliseconds(static_cast<long long>(
        static_cast<double>(base.count()) * jitter(rng_)));
  }
  // After a successful connection.
  void Reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
  std::minstd_rand rng_;  // small: one lives in every connection
};

}  // namespace twelve::backing
