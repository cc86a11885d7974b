// The in-memory CounterStore: counters in a map in this process, for unit
// tests of domain code (a real process keeps no state of its own: factor VI).
// Callbacks run inside the call, outside the lock, so a callback may call
// the store again.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "counter/counter_store.hpp"

namespace welcome {
namespace {

using twelve::Migration;
using twelve::Result;
using twelve::Status;

class MemoryCounterStore final : public CounterStore {
 public:
  void Add(std::string_view key, std::int64_t delta,
           ValueCallback done) override {
    done(AddNow(key, delta));
  }
  void Get(std::string_view key, ValueCallback done) override {
    std::int64_t value = 0;
    {
      std::lock_guard lock(mutex_);
      auto it = counters_.find(key);
      if (it != counters_.end()) value = it->second;
    }
    done(value);
  }
  void Set(std::string_view key, std::int64_t value,
           StatusCallback done) override {
    {
      std::lock_guard lock(mutex_);
      counters_.insert_or_assign(std::string(key), value);
    }
    done(Status::Ok());
  }
  // No schema; the versions are remembered, as a SQL store records them.
  void Migrate(const std::vector<Migration>& migrations,
               StatusCallback done) override {
    {
      std::lock_guard lock(mutex_);
      for (const Migration& migration : migrations) {
        schema_version_ =
            std::max<std::int64_t>(schema_version_, migration.version);
      }
    }
    done(Status::Ok());
  }
  void SchemaVersion(ValueCallback done) override {
    std::int64_t version = 0;
    {
      std::lock_guard lock(mutex_);
      version = schema_version_;
    }
    done(version);
  }
  bool Ready() const override { return true; }
  void Close() override {}
  std::string_view kind() const override { return "memory"; }

 private:
  Result<std::int64_t> AddNow(std::string_view key, std::int64_t delta) {
    std::lock_guard lock(mutex_);
    auto it = counters_.find(key);
    if (it == counters_.end()) {
      it = counters_.emplace(std::string(key), 0).first;
    }
    std::int64_t sum = 0;
    // Redis refuses such an add too; the counter stays as it was.
    if (__builtin_add_overflow(it->second, delta, &sum)) {
      return Status::Internal("counter would overflow");
    }
    it->second = sum;
    return sum;
  }

  std::mutex mutex_;
  std::map<std::string, std::int64_t, std::less<>> counters_;
  std::int64_t schema_version_ = 0;
};

}  // namespace

std::unique_ptr<CounterStore> NewMemoryCounterStore() {
  return std::make_unique<MemoryCounterStore>();
}

}  // namespace welcome
