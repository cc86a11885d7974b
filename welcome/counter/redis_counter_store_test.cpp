#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "counter/counter_store.hpp"
#include "counter/open_counter_store_for_test.hpp"
#include "process/event_loops.hpp"
#include "tests/support/capturing_sink.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/running_loops.hpp"
#include "tests/support/waiting.hpp"

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
using test_support::RedisServer;

using test_support::Await;
using test_support::CapturingSink;
using test_support::RunningLoops;
using test_support::WaitFor;

class RedisStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RedisServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void TearDown() override { CloseStore(); }

  static StoreUrl Url() { return server_->url(); }
  static StoreOptions Options() {
    StoreOptions options;
    options.connect_timeout = milliseconds(1000);
    options.operation_timeout = milliseconds(500);
    options.min_backoff = milliseconds(20);
    options.max_backoff = milliseconds(200);
    return options;
  }

  CounterStore& Open(const StoreUrl& url, const StoreOptions& options) {
    store_ = OpenCounterStoreForTest(url, options, loops_.loops(), log_);
    return *store_;
  }
  CounterStore& Open() { return Open(Url(), Options()); }
  void CloseStore() {
    loops_.Stop();
    if (store_) store_->Close();
    store_.reset();
  }

  Result<std::int64_t> Add(const std::string& key, std::int64_t delta,
                           std::size_t loop = 0) {
    auto promise = std::make_shared<std::promise<Result<std::int64_t>>>();
    auto future = promise->get_future();
    loops_.Post(loop, [this, key, delta, promise] {
      store_->Add(key, delta, [promise](Result<std::int64_t> result) {
        promise->set_value(std::move(result));
      });
    });
    return Await(future);
  }
  Result<std::int64_t> Get(const std::string& key, std::size_t loop = 0) {
    auto promise = std::make_shared<std::promise<Result<std::int64_t>>>();
    auto future = promise->get_future();
    loops_.Post(loop, [this, key, promise] {
      store_->Get(key, [promise](Result<std::int64_t> result) {
        promise->set_value(std::move(result));
      });
    });
    return Await(future);
  }
  Status Set(const std::string& key, std::int64_t value, std::size_t loop = 0) {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    loops_.Post(loop, [this, key, value, promise] {
      store_->Set(key, value, [promise](Status status) {
        promise->set_value(std::move(status));
      });
    });
    return Await(future);
  }
  Status Migrate() {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    loops_.Post(0, [this, promise] {
      store_->Migrate(
          {{1, "create_counters", "CREATE TABLE counters ()"}},
          [promise](Status status) { promise->set_value(std::move(status)); });
    });
    return Await(future);
  }
  bool WaitReady() {
    return WaitFor([this] { return store_->Ready(); });
  }

  // Google style names a static member like the others; .clang-tidy has no
  // ClassMember rule yet, so its Variable rule objects to the '_'.
  static inline RedisServer* server_ = nullptr;
  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
  RunningLoops loops_{2};
  std::unique_ptr<CounterStore> store_;
};

// Tests that stop, pause or kill the server get a server of their own, and
// leave it running for the next test.
class RedisOutageTest : public RedisStoreTest {};

TEST_F(RedisStoreTest, AddReportsTheValueAfterTheAdd) {
  Open();
  EXPECT_EQ(*Add("add-value", 1), 1);
  EXPECT_EQ(*Add("add-value", 5), 6);
  EXPECT_EQ(*Add("add-value", -2, 1), 4);
}

TEST_F(RedisStoreTest, GetOfAnAbsentKeyIsZero) {
  Open();
  EXPECT_EQ(*Get("get-absent"), 0);
}

TEST_F(RedisStoreTest, SetThenGetRoundTrips) {
  Open();
  ASSERT_TRUE(Set("set-get", 41).ok());
  EXPECT_EQ(*Get("set-get", 1), 41);
  EXPECT_EQ(*Add("set-get", 1), 42);
  EXPECT_EQ(server_->Command({"GET", "set-get"}), "42");
}

TEST_F(RedisStoreTest, UsesTheCoursesKeyAsAPlainRedisString) {
  Open();
  ASSERT_TRUE(Set("visitorCount", 0).ok());
  EXPECT_EQ(*Add("visitorCount", 1), 1);
  EXPECT_EQ(server_->Command({"INCR", "visitorCount"}), "2");
  EXPECT_EQ(*Get("visitorCount"), 2);
}

TEST_F(RedisStoreTest, GetOfANonIntegerIsInternal) {
  Open();
  server_->Command({"SET", "not-a-number", "abc"});
  const Result<std::int64_t> result = Get("not-a-number");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
}

TEST_F(RedisStoreTest, AnErrorReplyIsInternalWithRedisText) {
  Open();
  server_->Command({"LPUSH", "a-list", "x"});
  const Result<std::int64_t> result = Add("a-list", 1);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_NE(result.status().message().find("WRONGTYPE"), std::string::npos);
}

TEST_F(RedisStoreTest, AddIssuedBeforeTheFirstConnectionIsQueued) {
  auto promise = std::make_shared<std::promise<Result<std::int64_t>>>();
  auto future = promise->get_future();
  // Opened on the loop itself, so the Add comes before any connect step.
  loops_.Post(0, [this, promise] {
    store_ = OpenCounterStoreForTest(Url(), Options(), loops_.loops(), log_);
    store_->Add("queued", 3, [promise](Result<std::int64_t> result) {
      promise->set_value(std::move(result));
    });
  });
  const Result<std::int64_t> result = Await(future);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, 3);
}

TEST_F(RedisStoreTest, CallbackRunsOnTheCallingLoop) {
  Open();
  auto promise = std::make_shared<std::promise<bool>>();
  auto future = promise->get_future();
  loops_.Post(1, [this, promise] {
    store_->Add("on-loop", 1, [this, promise](const Result<std::int64_t>&) {
      promise->set_value(loops_.loops().CurrentIndex() == 1);
    });
  });
  EXPECT_TRUE(Await(future));
}

TEST_F(RedisStoreTest, CallFromOutsideTheLoopsRunsOnTheFirstLoop) {
  Open();
  auto promise = std::make_shared<std::promise<int>>();
  auto future = promise->get_future();
  store_->Add("off-loop", 1, [this, promise](const Result<std::int64_t>& r) {
    promise->set_value(r.ok() ? loops_.loops().CurrentIndex() : -2);
  });
  EXPECT_EQ(Await(future), 0);
}

TEST_F(RedisStoreTest, ConcurrentAddsFromTwoLoopsAreExact) {
  Open();
  ASSERT_TRUE(WaitReady());
  constexpr int kPerLoop = 5000;
  constexpr int kBurst = 250;  // Adds issued in one loop turn
  std::vector<std::int64_t> values[2];
  std::promise<void> finished[2];
  std::future<void> done[2] = {finished[0].get_future(),
                               finished[1].get_future()};
  for (std::size_t loop = 0; loop < 2; ++loop) {
    for (int burst = 0; burst < kPerLoop / kBurst; ++burst) {
      loops_.Post(loop, [&, loop] {
        for (int i = 0; i < kBurst; ++i) {
          store_->Add("exact", 1, [&, loop](Result<std::int64_t> result) {
            values[loop].push_back(result.ok() ? *result : -1);
            if (values[loop].size() == std::size_t{kPerLoop}) {
              finished[loop].set_value();
            }
          });
        }
      });
    }
  }
  for (auto& future : done) Await(future);
  std::vector<std::int64_t> all = values[0];
  all.insert(all.end(), values[1].begin(), values[1].end());
  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> expected(2 * kPerLoop);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(all, expected);
  EXPECT_EQ(*Get("exact"), 2 * kPerLoop);
}

TEST_F(RedisStoreTest, MigrateIsAnIdempotentNoOp) {
  Open();
  EXPECT_TRUE(Migrate().ok());
  EXPECT_TRUE(Migrate().ok());
  EXPECT_EQ(server_->Command({"EXISTS", "counters"}), "0");
}

TEST_F(RedisStoreTest, SelectsTheDatabaseOfTheUrl) {
  StoreUrl url = Url();
  url.database = 5;
  Open(url, Options());
  ASSERT_TRUE(Set("in-db-5", 7).ok());
  EXPECT_EQ(server_->Command({"GET", "in-db-5"}, 5), "7");
  EXPECT_EQ(server_->Command({"GET", "in-db-5"}, 0), "(nil)");
}

TEST_F(RedisStoreTest, AuthenticatesAsTheUserOfTheUrl) {
  StoreUrl url = Url();
  url.user = "default";
  Open(url, Options());
  EXPECT_EQ(*Add("as-user", 1), 1);
}

TEST_F(RedisStoreTest, WrongPasswordIsNotReadyAndFailsUnavailable) {
  const std::string wrong = "wrong-pass-9c2e";
  StoreUrl url = Url();
  url.password = wrong;
  Open(url, Options());
  const Result<std::int64_t> first = Add("wrong-pass", 1);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(store_->Ready());
  const Result<std::int64_t> later = Add("wrong-pass", 1);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(later.status().message().find(wrong), std::string::npos);
  EXPECT_GE(sink_.Count("WRONGPASS"), 1);
  EXPECT_EQ(server_->Command({"EXISTS", "wrong-pass"}), "0");
}

TEST_F(RedisStoreTest, NoLogLineHoldsThePassword) {
  const std::string wrong = "wrong-pass-41b7";
  StoreUrl url = Url();
  url.password = wrong;
  Open(url, Options());
  EXPECT_FALSE(Add("no-secret", 1).ok());
  ASSERT_TRUE(WaitFor([this] { return sink_.Count("store reconnect") >= 3; }));
  CloseStore();
  loops_.Run();
  Open();  // and a good one
  EXPECT_TRUE(Add("no-secret", 1).ok());
  CloseStore();
  const auto lines = sink_.Lines();
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find(wrong), std::string::npos) << line;
    EXPECT_EQ(line.find(server_->password()), std::string::npos) << line;
  }
}

TEST_F(RedisOutageTest, ServerStoppedFailsFastThenServesAgain) {
  Open();
  ASSERT_TRUE(WaitReady());
  server_->Stop();
  ASSERT_TRUE(WaitFor([this] { return !store_->Ready(); }));
  const Result<std::int64_t> down = Add("outage", 1, 1);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  server_->Start();
  ASSERT_TRUE(WaitReady());
  EXPECT_EQ(*Add("outage", 1, 0), 1);
  EXPECT_EQ(*Add("outage", 1, 1), 2);
}

TEST_F(RedisOutageTest, LogsOneEventPerTransition) {
  Open();
  ASSERT_TRUE(WaitReady());
  EXPECT_EQ(sink_.Count("\"store connected\""), 2);
  server_->Stop();
  // Several failed attempts per loop, each logged at debug only.
  ASSERT_TRUE(
      WaitFor([this] { return sink_.Count("store reconnect failed") >= 6; }));
  server_->Start();
  ASSERT_TRUE(WaitReady());
  EXPECT_EQ(sink_.Count("\"store connection lost\""), 2);
  EXPECT_EQ(sink_.Count("\"store reconnecting\""), 2);
  EXPECT_EQ(sink_.Count("\"back\":true"), 2);
  EXPECT_EQ(sink_.Count("\"level\":\"warn\""), 2);
}

TEST_F(RedisOutageTest, StartsWhileTheServerIsDownThenConnects) {
  server_->Stop();
  Open();
  const Result<std::int64_t> down = Add("late-start", 1);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(store_->Ready());
  server_->Start();
  ASSERT_TRUE(WaitReady());
  EXPECT_EQ(*Add("late-start", 1), 1);
}

TEST_F(RedisOutageTest, NoAnswerInTimeIsTimeout) {
  Open();
  ASSERT_TRUE(WaitReady());
  server_->Pause();
  const Result<std::int64_t> result = Add("paused", 1);
  server_->Resume();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kTimeout);
  ASSERT_TRUE(WaitReady());
  EXPECT_TRUE(Add("paused", 1).ok());
}

TEST_F(RedisOutageTest, CommandsBehindATimedOutOneAreAmbiguous) {
  Open();
  ASSERT_TRUE(WaitReady());
  server_->Pause();
  auto first = std::make_shared<std::promise<Result<std::int64_t>>>();
  auto second = std::make_shared<std::promise<Result<std::int64_t>>>();
  auto first_future = first->get_future();
  auto second_future = second->get_future();
  loops_.Post(0, [this, first, second] {
    store_->Add("behind", 1, [first](Result<std::int64_t> r) {
      first->set_value(std::move(r));
    });
    store_->Add("behind", 1, [second](Result<std::int64_t> r) {
      second->set_value(std::move(r));
    });
  });
  const Result<std::int64_t> first_result = Await(first_future);
  const Result<std::int64_t> second_result = Await(second_future);
  server_->Resume();
  EXPECT_EQ(first_result.status().code(), StatusCode::kTimeout);
  EXPECT_EQ(second_result.status().code(), StatusCode::kAmbiguous);
  ASSERT_TRUE(WaitReady());
}

TEST_F(RedisOutageTest, StoreOutlivesItsLoopsAndDropsPendingCallbacks) {
  auto loops = std::make_unique<RunningLoops>(2);
  auto store = OpenCounterStoreForTest(Url(), Options(), loops->loops(), log_);
  ASSERT_TRUE(WaitFor([&] { return store->Ready(); }));
  server_->Pause();  // so that commands are in flight when the loops stop
  std::atomic<int> called{0};
  for (std::size_t loop = 0; loop < 2; ++loop) {
    loops->Post(loop, [&] {
      for (int i = 0; i < 100; ++i) {
        store->Add("outlive", 1,
                   [&called](const Result<std::int64_t>&) { ++called; });
      }
    });
    loops->Sync(loop);
    loops->Sync(loop);
  }
  loops->Stop();
  store->Close();
  loops.reset();  // the io_contexts go before the store
  EXPECT_FALSE(store->Ready());
  store.reset();
  server_->Resume();
  EXPECT_EQ(called.load(), 0);
}

TEST_F(RedisOutageTest, ConnectionBrokenAfterSendIsAmbiguous) {
  StoreOptions options = Options();
  options.operation_timeout = milliseconds(10000);
  Open(Url(), options);
  ASSERT_TRUE(WaitReady());
  server_->Pause();
  auto promise = std::make_shared<std::promise<Result<std::int64_t>>>();
  auto future = promise->get_future();
  loops_.Post(0, [this, promise] {
    store_->Add("broken", 1, [promise](Result<std::int64_t> r) {
      promise->set_value(std::move(r));
    });
  });
  loops_.Sync(0);  // the Add ran and posted its flush
  loops_.Sync(0);  // the flush ran: the command is in the server's socket
  server_->Kill();
  const Result<std::int64_t> result = Await(future);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAmbiguous);
  server_->Start();
  ASSERT_TRUE(WaitReady());
}

}  // namespace
}  // namespace welcome
