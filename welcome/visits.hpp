#pragma once
// Visits: the course's visitor counter, as domain logic that knows nothing
// of HTTP. The count lives in the attached backing service under the
// course's key, so the course's own reset script works on it.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "counter/counter_store.hpp"

namespace welcome {

// The key the course's app and scripts use (Redis: GET visitorCount).
inline constexpr std::string_view kVisitorCountKey = "visitorCount";

class Visits {
 public:
  using CountCallback = CounterStore::ValueCallback;

  explicit Visits(CounterStore& store) : store_(store) {}

  // Counts one visit and reports its number: the value the atomic increment
  // returned, so two visitors never see the same number.
  void Record(CountCallback done) {
    store_.Add(kVisitorCountKey, 1, std::move(done));
  }
  // Reports the count without changing it.
  void Count(CountCallback done) {
    store_.Get(kVisitorCountKey, std::move(done));
  }
  // Sets the count back to 0 (the course's reset script).
  void Reset(CounterStore::StatusCallback done) {
    store_.Set(kVisitorCountKey, 0, std::move(done));
  }

  // "Welcome to KODEKLOUD! Visitor Count: 42", as the course's app answers.
  static std::string Greeting(std::int64_t count);

 private:
  CounterStore& store_;
};

}  // namespace welcome
