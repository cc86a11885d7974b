#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "counter/counter_store.hpp"
#include "counter/open_counter_store_for_test.hpp"
#include "process/event_loops.hpp"
#include "tests/support/capturing_sink.hpp"
#include "tests/support/running_loops.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"

namespace welcome {
namespace {

using twelve::EventLoops;
using twelve::LogFormat;
using twelve::Logger;
using twelve::LogLevel;
using twelve::Migration;
using twelve::ParseStoreUrl;
using twelve::Result;
using twelve::Status;
using twelve::StatusCode;
using twelve::StoreOptions;
using twelve::StoreUrl;
namespace test_support = twelve::test_support;
using welcome::CounterStore;

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Migration kCreateCounters{
    1, "create_counters",
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)"};

using test_support::CapturingSink;
using test_support::RunningLoops;

// Counts down to zero; waits with a limit so a lost callback fails the test
// instead of hanging it.
class Countdown {
 public:
  explicit Countdown(int count) : count_(count) {}
  void Done() {
    std::lock_guard lock(mutex_);
    if (--count_ == 0) zero_.notify_all();
  }
  bool Wait(std::chrono::seconds limit) {
    std::unique_lock lock(mutex_);
    return zero_.wait_for(lock, limit, [this] { return count_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable zero_;
  int count_;
};

// A connection of the test's own, standing in for another process.
class RawDatabase {
 public:
  explicit RawDatabase(const std::string& path) {
    sqlite3_open(path.c_str(), &db_);
    sqlite3_busy_timeout(db_, 10000);
  }
  ~RawDatabase() { sqlite3_close(db_); }
  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  // The rows of `sql`, each row's columns joined by '|'.
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> rows;
    sqlite3_exec(
        db_, sql.c_str(),
        [](void* out, int n, char** values, char**) {
          std::string row;
          for (int i = 0; i < n; ++i) {
            if (i > 0) row += "|";
            row += values[i] ? values[i] : "NULL";
          }
          static_cast<std::vector<std::string>*>(out)->push_back(row);
          return 0;
        },
        &rows, nullptr);
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteCounterStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "twelve-sqlite-test-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "counter.db").string();
  }
  void TearDown() override {
    threads_.Stop();  // Close() comes after the loops stopped
    for (auto& store : stores_) store->Close();
    stores_.clear();
    std::filesystem::remove_all(dir_);
  }

  CounterStore& Open(const std::string& path, StoreOptions options = {}) {
    Result<StoreUrl> url = ParseStoreUrl("sqlite://" + path);
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    stores_.push_back(
        OpenCounterStoreForTest(*url, options, threads_.loops(), log_));
    return *stores_.back();
  }
  // Generous: sanitizer builds are slow, and no test measures speed.
  static StoreOptions Patient() {
    StoreOptions options;
    options.operation_timeout = seconds(10);
    options.min_backoff = milliseconds(10);
    options.max_backoff = milliseconds(50);
    return options;
  }

  // Starts a call on `loop` and waits for its answer.
  template <typename T, typename Start>
  T Call(std::size_t loop, Start start) {
    auto answer = std::make_shared<std::promise<T>>();
    auto future = answer->get_future();
    threads_.Post(loop, [start, answer] {
      start([answer](T value) { answer->set_value(std::move(value)); });
    });
    if (future.wait_for(seconds(30)) != std::future_status::ready) {
      return Status::Internal("test: no answer within 30 s");
    }
    return future.get();
  }
  Result<std::int64_t> Add(CounterStore& store, std::int64_t delta,
                           std::size_t loop = 0) {
    return Call<Result<std::int64_t>>(
        loop, [&store, delta](auto done) { store.Add("visits", delta, done); });
  }
  Result<std::int64_t> Get(CounterStore& store, std::size_t loop = 0) {
    return Call<Result<std::int64_t>>(
        loop, [&store](auto done) { store.Get("visits", done); });
  }
  Status Set(CounterStore& store, std::int64_t value) {
    return Call<Status>(
        0, [&store, value](auto done) { store.Set("visits", value, done); });
  }
  Status Migrate(CounterStore& store,
                 const std::vector<Migration>& migrations = {kCreateCounters}) {
    return Call<Status>(0, [&store, migrations](auto done) {
      store.Migrate(migrations, done);
    });
  }

  Result<std::int64_t> SchemaVersion(CounterStore& store) {
    return Call<Result<std::int64_t>>(
        0, [&store](auto done) { store.SchemaVersion(done); });
  }

  std::filesystem::path dir_;
  std::string path_;
  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
  RunningLoops threads_{2};
  std::vector<std::unique_ptr<CounterStore>> stores_;
};

bool EventuallyReady(const CounterStore& store) {
  for (int i = 0; i < 3000 && !store.Ready(); ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  return store.Ready();
}

TEST_F(SqliteCounterStoreTest, AddReportsTheValueAfterTheAdd) {
  CounterStore& store = Open(path_, Patient());
  ASSERT_TRUE(Migrate(store).ok());
  EXPECT_EQ(Add(store, 1).value(), 1);
  EXPECT_EQ(Add(store, 5, 1).value(), 6);
  EXPECT_EQ(Get(store).value(), 6);
}

TEST_F(SqliteCounterStoreTest, GetOfAnAbsentCounterIsZero) {
  CounterStore& store = Open(path_, Patient());
  ASSERT_TRUE(Migrate(store).ok());
  Result<std::int64_t> value = Get(store);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, 0);
}

TEST_F(SqliteCounterStoreTest, SetReplacesTheValue) {
  CounterStore& store = Open(path_, Patient());
  ASSERT_TRUE(Migrate(store).ok());
  ASSERT_TRUE(Set(store, 41).ok());
  EXPECT_EQ(Get(store).value(), 41);
  EXPECT_EQ(Add(store, 1).value(), 42);
}

TEST_F(SqliteCounterStoreTest, CountSurvivesReopeningTheFile) {
  CounterStore& first = Open(path_, Patient());
  ASSERT_TRUE(Migrate(first).ok());
  ASSERT_TRUE(Add(first, 7).ok());
  first.Close();
  CounterStore& second = Open(path_, Patient());
  EXPECT_EQ(Get(second).value(), 7);
}

TEST_F(SqliteCounterStoreTest, BecomesReadyOnceTheFileIsOpen) {
  CounterStore& store = Open(path_, Patient());
  EXPECT_TRUE(EventuallyReady(store));
  EXPECT_EQ(store.kind(), "sqlite");
  EXPECT_EQ(sink_.Lines("store connected").size(), 1u);
}

TEST_F(SqliteCounterStoreTest, MigrateIsIdempotentAndRecorded) {
  CounterStore& store = Open(path_, Patient());
  ASSERT_TRUE(Migrate(store).ok());
  ASSERT_TRUE(Migrate(store).ok());
  RawDatabase raw(path_);
  std::vector<std::string> rows = raw.Rows(
      "SELECT version, name, length(applied_at) > 0 "
      "FROM schema_migrations");
  EXPECT_EQ(rows, std::vector<std::string>{"1|create_counters|1"});
  EXPECT_EQ(sink_.Lines("migration applied").size(), 1u);
}

TEST_F(SqliteCounterStoreTest, SchemaVersionIsZeroUntilMigratedThenTheLast) {
  CounterStore& store = Open(path_, Patient());
  Result<std::int64_t> before = SchemaVersion(store);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(*before, 0);
  ASSERT_TRUE(Migrate(store).ok());
  Result<std::int64_t> after = SchemaVersion(store);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after, kCreateCounters.version);
}

TEST_F(SqliteCounterStoreTest, MigrateAppliesOnlyVersionsNotYetRecorded) {
  CounterStore& store = Open(path_, Patient());
  ASSERT_TRUE(Migrate(store).ok());
  Migration add_index{2, "index_values",
                      "CREATE INDEX counters_value ON counters (value)"};
  // Out of order on purpose: applied in version order all the same.
  ASSERT_TRUE(Migrate(store, {add_index, kCreateCounters}).ok());
  RawDatabase raw(path_);
  EXPECT_EQ(raw.Rows("SELECT version FROM schema_migrations ORDER BY 1"),
            (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(sink_.Lines("migration applied").size(), 2u);
}

TEST_F(SqliteCounterStoreTest, ConcurrentMigratesApplyEachMigrationOnce) {
  // Two stores on one file, as two processes running `welcome migrate`.
  CounterStore& a = Open(path_, Patient());
  CounterStore& b = Open(path_, Patient());
  auto first = std::async(std::launch::async, [&] { return Migrate(a); });
  Status second = Migrate(b);
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(second.ok()) << second.ToString();
  RawDatabase raw(path_);
  EXPECT_EQ(raw.Rows("SELECT count(*) FROM schema_migrations"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(sink_.Lines("migration applied").size(), 1u);
}

TEST_F(SqliteCounterStoreTest, FailedMigrationIsRolledBackAndNotRecorded) {
  CounterStore& store = Open(path_, Patient());
  Migration broken{1, "broken", "CREATE TABLE half (x INT); THIS IS NOT SQL"};
  Status status = Migrate(store, {broken});
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("broken"), std::string::npos);
  RawDatabase raw(path_);
  EXPECT_EQ(raw.Rows("SELECT count(*) FROM schema_migrations"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(raw.Rows("SELECT count(*) FROM sqlite_master WHERE name='half'"),
            std::vector<std::string>{"0"});
}

TEST_F(SqliteCounterStoreTest, MissingTableIsInternalAndSaysToMigrate) {
  CounterStore& store = Open(path_, Patient());
  Result<std::int64_t> added = Add(store, 1);
  EXPECT_EQ(added.status().code(), StatusCode::kInternal);
  EXPECT_NE(added.status().message().find("welcome migrate"), std::string::npos)
      << added.status().message();
  // Once migrated (by another process, say), the same store serves.
  ASSERT_TRUE(Migrate(store).ok());
  EXPECT_EQ(Add(store, 1).value(), 1);
}

// Two store instances on one file, each with its own connection and thread,
// are an honest stand-in for two processes: SQLite takes the same file locks
// (WAL write lock in the shared memory file) between connections of one
// process as between processes.
TEST_F(SqliteCounterStoreTest, TwoStoresOnOneFileCountExactly) {
  constexpr int kAddsPerLoop = 1000;
  CounterStore& a = Open(path_, Patient());
  CounterStore& b = Open(path_, Patient());
  ASSERT_TRUE(Migrate(a).ok());
  const int total = 2 * 2 * kAddsPerLoop;
  Countdown countdown(total);
  std::mutex mutex;
  std::vector<std::int64_t> values;
  std::vector<std::string> failures;
  for (CounterStore* store : {&a, &b}) {
    for (std::size_t loop = 0; loop < 2; ++loop) {
      threads_.Post(loop, [&, store] {
        for (int i = 0; i < kAddsPerLoop; ++i) {
          store->Add("visits", 1, [&](const Result<std::int64_t>& r) {
            {
              std::lock_guard lock(mutex);
              if (r.ok()) {
                values.push_back(*r);
              } else {
                failures.push_back(r.status().ToString());
              }
            }
            countdown.Done();
          });
        }
      });
    }
  }
  ASSERT_TRUE(countdown.Wait(seconds(120)));
  std::lock_guard lock(mutex);
  EXPECT_TRUE(failures.empty()) << failures.front();
  std::sort(values.begin(), values.end());
  std::vector<std::int64_t> expected(total);
  for (int i = 0; i < total; ++i) expected[i] = i + 1;
  EXPECT_EQ(values, expected);  // every visit its own number, none lost
  EXPECT_EQ(Get(b).value(), total);
}

TEST_F(SqliteCounterStoreTest, UnopenablePathIsNotReadyUntilItCanBeOpened) {
  const std::filesystem::path missing = dir_ / "missing";
  const std::string path = (missing / "counter.db").string();
  CounterStore& store = Open(path, Patient());
  // Queued during the first attempt, or refused at once after it failed.
  EXPECT_EQ(Add(store, 1).status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(store.Ready());
  EXPECT_EQ(Add(store, 1, 1).status().code(), StatusCode::kUnavailable);

  std::filesystem::create_directory(missing);
  ASSERT_TRUE(EventuallyReady(store));
  ASSERT_TRUE(Migrate(store).ok());
  EXPECT_EQ(Add(store, 1).value(), 1);

  // One event per transition, naming the file, not one per attempt.
  std::vector<std::string> lost = sink_.Lines("store connection lost");
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_NE(lost[0].find(path), std::string::npos) << lost[0];
  EXPECT_EQ(sink_.Lines("store reconnecting").size(), 1u);
  std::vector<std::string> back = sink_.Lines("store connected");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_NE(back[0].find("\"back\":true"), std::string::npos) << back[0];
}

TEST_F(SqliteCounterStoreTest, LockHeldPastTheTimeoutFailsWithTimeout) {
  StoreOptions options = Patient();
  options.operation_timeout = milliseconds(200);
  CounterStore& store = Open(path_, options);
  ASSERT_TRUE(Migrate(store).ok());
  ASSERT_TRUE(Add(store, 1).ok());

  RawDatabase other_process(path_);
  ASSERT_EQ(other_process.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  Result<std::int64_t> added = Add(store, 1);
  EXPECT_EQ(added.status().code(), StatusCode::kTimeout)
      << added.status().ToString();
  EXPECT_TRUE(store.Ready());  // contention is not an outage
  ASSERT_EQ(other_process.Exec("COMMIT"), SQLITE_OK);

  EXPECT_EQ(Get(store).value(), 1);  // the timed-out add was not applied
}

TEST_F(SqliteCounterStoreTest, FullQueueFailsAtOnceWithUnavailable) {
  CounterStore& store = Open(path_, Patient());
  ASSERT_TRUE(Migrate(store).ok());

  // Another process holds the write lock, so the store's thread waits on its
  // first batch while the calls pile up behind it.
  RawDatabase other_process(path_);
  ASSERT_EQ(other_process.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  constexpr int kCalls = 20001;  // more than twice the queue's bound
  Countdown countdown(kCalls);
  std::atomic<int> refused_at_once{0};
  std::atomic<int> added{0};
  std::atomic<int> other_failures{0};
  std::promise<void> issued;
  threads_.Post(0, [&] {
    for (int i = 0; i < kCalls; ++i) {
      auto inside = std::make_shared<bool>(true);  // still in the call?
      store.Add("visits", 1, [&, inside](const Result<std::int64_t>& r) {
        if (r.ok()) {
          ++added;
        } else if (*inside && r.status().code() == StatusCode::kUnavailable) {
          ++refused_at_once;
        } else {
          ++other_failures;
        }
        countdown.Done();
      });
      *inside = false;
    }
    issued.set_value();
  });
  issued.get_future().wait();
  ASSERT_EQ(other_process.Exec("COMMIT"), SQLITE_OK);
  ASSERT_TRUE(countdown.Wait(seconds(120)));
  EXPECT_GT(refused_at_once.load(), 0);
  EXPECT_EQ(other_failures.load(), 0);
  EXPECT_EQ(Get(store).value(), added.load());
}

TEST_F(SqliteCounterStoreTest, CallsAfterCloseFailAtOnce) {
  CounterStore& store = Open(path_, Patient());
  ASSERT_TRUE(Migrate(store).ok());
  store.Close();
  EXPECT_FALSE(store.Ready());
  EXPECT_EQ(Add(store, 1).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace welcome
