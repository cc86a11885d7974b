#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "counter/counter_store.hpp"
#include "counter/open_counter_store_for_test.hpp"
#include "process/event_loops.hpp"
#include "tests/support/capturing_sink.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/running_loops.hpp"
#include "tests/support/waiting.hpp"
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
using namespace std::chrono_literals;
using twelve::test_support::PostgresServer;

using test_support::FreePort;

// A TCP port that accepts connections and never answers.
class SilentListener {
 public:
  SilentListener() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(addr);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

using twelve::test_support::CapturingSink;
using twelve::test_support::RunningLoops;
using twelve::test_support::WaitFor;

inline constexpr const char* kDatabase = "twelve_test";
inline constexpr const char* kCreateCounters =
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)";
// Long enough for any answer on a loaded machine; only a hang reaches it.
inline constexpr auto kNoAnswer = 30s;

inline StoreOptions FastOptions() {
  StoreOptions options;
  options.connect_timeout = 2s;
  options.operation_timeout = 5s;
  options.min_backoff = 20ms;
  options.max_backoff = 200ms;
  return options;
}

// The counter on PostgreSQL, on a real server (tests/support), with the
// calls a test makes on it.
// One server per suite: initdb costs about a second. It offers TLS, so
// that every test without sslmode (prefer) runs over TLS; the tests that
// say sslmode=disable run in plain text.
class PostgresStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_server = new PostgresServer({.tls = true});
    ASSERT_TRUE(suite_server->ok()) << suite_server->error();
    ASSERT_TRUE(suite_server->Start());
    ASSERT_TRUE(suite_server->CreateDatabase(kDatabase));
    ASSERT_EQ(suite_server->Exec(kDatabase, kCreateCounters), "");
  }
  static void TearDownTestSuite() {
    delete suite_server;
    suite_server = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(server_ != nullptr && server_->ok()); }
  void TearDown() override {
    // The order the server follows: loops stop, then the store closes.
    if (threads_) threads_->Stop();
    if (store_) store_->Close();
    store_.reset();
    threads_.reset();
  }

  CounterStore& Open(const std::string& url,
                     StoreOptions options = FastOptions(), int loops = 1) {
    threads_ = std::make_unique<RunningLoops>(loops);
    Result<StoreUrl> parsed = ParseStoreUrl(url);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    store_ =
        OpenCounterStoreForTest(*parsed, options, threads_->loops(), logger_);
    return *store_;
  }
  CounterStore& OpenReady(const std::string& url,
                          StoreOptions options = FastOptions(), int loops = 1) {
    CounterStore& store = Open(url, options, loops);
    EXPECT_TRUE(WaitFor([&] { return store.Ready(); }));
    return store;
  }

  // Runs `start` on loop `loop` and waits for the value it reports.
  template <typename T>
  T Await(int loop, std::function<void(std::function<void(T)>)> start) {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    asio::post(threads_->context(loop), [start, promise] {
      start([promise](T value) { promise->set_value(std::move(value)); });
    });
    if (future.wait_for(kNoAnswer) != std::future_status::ready) {
      return Status::Internal("test: no answer");
    }
    return future.get();
  }
  Result<std::int64_t> Add(const std::string& key, std::int64_t delta,
                           int loop = 0) {
    CounterStore* store = store_.get();
    return Await<Result<std::int64_t>>(
        loop, [=](auto done) { store->Add(key, delta, std::move(done)); });
  }
  Result<std::int64_t> Get(const std::string& key) {
    CounterStore* store = store_.get();
    return Await<Result<std::int64_t>>(
        0, [=](auto done) { store->Get(key, std::move(done)); });
  }
  Status Set(const std::string& key, std::int64_t value) {
    CounterStore* store = store_.get();
    return Await<Status>(
        0, [=](auto done) { store->Set(key, value, std::move(done)); });
  }
  Status Migrate(const std::vector<Migration>& migrations, int loop = 0) {
    CounterStore* store = store_.get();
    return Await<Status>(
        loop, [=](auto done) { store->Migrate(migrations, std::move(done)); });
  }

  Result<std::int64_t> SchemaVersion() {
    CounterStore* store = store_.get();
    return Await<Result<std::int64_t>>(
        0, [=](auto done) { store->SchemaVersion(std::move(done)); });
  }

  std::string Url(const std::string& database = kDatabase) const {
    return server_->Url(database);
  }
  std::string UrlAt(std::uint16_t port) const {
    return "postgres://postgres:" + server_->password() +
           "@127.0.0.1:" + std::to_string(port) + "/" + kDatabase;
  }

  // The suite's server; suites run one after the other.
  static inline PostgresServer* suite_server = nullptr;
  PostgresServer* server_ = suite_server;
  CapturingSink sink_;
  Logger logger_{sink_, LogLevel::kDebug, LogFormat::kJson};
  std::unique_ptr<RunningLoops> threads_;
  std::unique_ptr<CounterStore> store_;
};

class PostgresCounterStoreTest : public PostgresStoreTest {};

// Restarts or thaws the shared server even when a test fails half-way.
class ServerRestorer {
 public:
  explicit ServerRestorer(PostgresServer& server) : server_(server) {}
  ~ServerRestorer() {
    server_.Resume();
    if (server_.QueryValue("postgres", "SELECT 1") != "1") server_.Start();
  }

 private:
  PostgresServer& server_;
};

// --- Round trips --------------------------------------------------------

TEST_F(PostgresCounterStoreTest, BecomesReadyOnceConnected) {
  CounterStore& store = Open(Url());
  EXPECT_TRUE(WaitFor([&] { return store.Ready(); }));
  EXPECT_EQ(store.kind(), "postgres");
}

TEST_F(PostgresCounterStoreTest, AddReturnsTheValueAfterTheAdd) {
  OpenReady(Url());
  EXPECT_EQ(*Add("add", 5), 5);
  EXPECT_EQ(*Add("add", 2), 7);
  EXPECT_EQ(*Get("add"), 7);
}

TEST_F(PostgresCounterStoreTest, GetOfAnAbsentCounterIsZero) {
  OpenReady(Url());
  Result<std::int64_t> value = Get("never-added");
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, 0);
}

TEST_F(PostgresCounterStoreTest, SetThenGetRoundTrips) {
  OpenReady(Url());
  EXPECT_TRUE(Set("set", 42).ok());
  EXPECT_EQ(*Get("set"), 42);
  EXPECT_TRUE(Set("set", 0).ok());
  EXPECT_EQ(*Get("set"), 0);
  EXPECT_EQ(*Add("set", 1), 1);
}

TEST_F(PostgresCounterStoreTest, ConnectsByHostName) {
  // localhost may resolve to ::1 first, where nothing listens: the driver
  // then moves on to 127.0.0.1 on a new socket.
  std::string url = "postgres://postgres:" + server_->password() +
                    "@localhost:" + std::to_string(server_->port()) + "/" +
                    kDatabase;
  OpenReady(url);
  EXPECT_EQ(*Add("by-name", 1), 1);
}

TEST_F(PostgresCounterStoreTest, CallsMadeWhileConnectingWaitForTheConnection) {
  Open(Url());
  Result<std::int64_t> value = Add("early", 1);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, 1);
}

TEST_F(PostgresCounterStoreTest, ConcurrentAddsFromTwoLoopsAreExact) {
  constexpr int kPerLoop = 400;
  OpenReady(Url(), FastOptions(), 2);
  CounterStore* store = store_.get();
  std::mutex mutex;
  std::vector<std::int64_t> values;
  std::atomic<int> failures{0};
  std::atomic<int> remaining{2 * kPerLoop};
  std::promise<void> all_done;
  for (int loop = 0; loop < 2; ++loop) {
    asio::post(threads_->context(loop), [&] {
      for (int i = 0; i < kPerLoop; ++i) {
        store->Add("concurrent", 1, [&](Result<std::int64_t> value) {
          if (value.ok()) {
            std::lock_guard lock(mutex);
            values.push_back(*value);
          } else {
            ++failures;
          }
          if (--remaining == 0) all_done.set_value();
        });
      }
    });
  }
  ASSERT_EQ(all_done.get_future().wait_for(kNoAnswer),
            std::future_status::ready);
  EXPECT_EQ(failures.load(), 0);
  std::sort(values.begin(), values.end());
  std::vector<std::int64_t> expected(2 * kPerLoop);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(values, expected);
  EXPECT_EQ(*Get("concurrent"), 2 * kPerLoop);
}

TEST_F(PostgresCounterStoreTest, MissingTableAsksToRunTheMigrateTask) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_empty"));
  OpenReady(Url("twelve_empty"));
  Result<std::int64_t> value = Add("visits", 1);
  EXPECT_EQ(value.status().code(), StatusCode::kInternal);
  EXPECT_NE(value.status().message().find("welcome migrate"), std::string::npos)
      << value.status().message();
}

// --- Connection failures ------------------------------------------------

TEST_F(PostgresCounterStoreTest, WrongPasswordFailsCallsAsUnavailable) {
  CounterStore& store =
      Open(server_->UrlWithPassword(kDatabase, "not-the-password"));
  EXPECT_EQ(Add("visits", 1).status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(store.Ready());
  EXPECT_EQ(Add("visits", 1).status().code(), StatusCode::kUnavailable);
}

TEST_F(PostgresCounterStoreTest, WrongPasswordNeverAppearsInLogsOrErrors) {
  const std::string secret = "wrong-secret-5e3c";
  Open(server_->UrlWithPassword(kDatabase, secret));
  Status status = Add("visits", 1).status();
  EXPECT_EQ(status.message().find(secret), std::string::npos);
  EXPECT_GT(sink_.Count("store connection failed"), 0);
  for (const std::string& line : sink_.Lines()) {
    EXPECT_EQ(line.find(secret), std::string::npos) << line;
  }
}

TEST_F(PostgresCounterStoreTest, PasswordNeverAppearsInLogs) {
  OpenReady(Url());
  ASSERT_TRUE(Add("visits", 1).ok());
  EXPECT_GT(sink_.Count("store connected"), 0);
  for (const std::string& line : sink_.Lines()) {
    EXPECT_EQ(line.find(server_->password()), std::string::npos) << line;
  }
}

TEST_F(PostgresCounterStoreTest, UnreachableServerFailsCallsAsUnavailable) {
  CounterStore& store = Open(UrlAt(FreePort()));
  EXPECT_EQ(Add("visits", 1).status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(store.Ready());
}

TEST_F(PostgresCounterStoreTest, ConnectTimeoutFailsWaitingCallsWithTimeout) {
  SilentListener silent;
  StoreOptions options = FastOptions();
  options.connect_timeout = 300ms;
  CounterStore& store = Open(UrlAt(silent.port()), options);
  EXPECT_EQ(Add("visits", 1).status().code(), StatusCode::kTimeout);
  EXPECT_FALSE(store.Ready());
}

TEST_F(PostgresCounterStoreTest, StoppedServerFailsCallsAtOnce) {
  CounterStore& store = OpenReady(Url());
  ServerRestorer restorer(*server_);
  ASSERT_TRUE(server_->Stop());
  EXPECT_TRUE(WaitFor([&] { return !store.Ready(); }));
  EXPECT_EQ(Add("visits", 1).status().code(), StatusCode::kUnavailable);
}

TEST_F(PostgresCounterStoreTest, ServesAgainAfterTheServerRestarts) {
  CounterStore& store = OpenReady(Url(), FastOptions(), 2);
  ServerRestorer restorer(*server_);
  ASSERT_TRUE(server_->Stop());
  EXPECT_TRUE(WaitFor([&] { return !store.Ready(); }));
  ASSERT_TRUE(server_->Start());
  EXPECT_TRUE(WaitFor([&] { return store.Ready(); }));
  EXPECT_TRUE(Add("restart", 1, 0).ok());
  EXPECT_TRUE(Add("restart", 1, 1).ok());
}

TEST_F(PostgresCounterStoreTest, LogsEachTransitionOnce) {
  CounterStore& store = OpenReady(Url());
  ServerRestorer restorer(*server_);
  ASSERT_TRUE(server_->Stop());
  EXPECT_TRUE(WaitFor([&] { return !store.Ready(); }));
  std::this_thread::sleep_for(500ms);  // several failed reconnects
  ASSERT_TRUE(server_->Start());
  EXPECT_TRUE(WaitFor([&] { return store.Ready(); }));
  EXPECT_EQ(sink_.Count("\"store connection lost\""), 1);
  EXPECT_EQ(sink_.Count("\"store reconnecting\""), 1);
  EXPECT_EQ(sink_.Count("\"store connected\""), 2);
  EXPECT_EQ(sink_.Count("\"back\":true"), 1);
}

TEST_F(PostgresCounterStoreTest, HungServerTimesTheCallOut) {
  StoreOptions options = FastOptions();
  options.operation_timeout = 300ms;
  options.connect_timeout = 300ms;
  CounterStore& store = OpenReady(Url(), options);
  {
    ServerRestorer restorer(*server_);
    server_->Pause();
    EXPECT_EQ(Add("hung", 1).status().code(), StatusCode::kTimeout);
    EXPECT_FALSE(store.Ready());
  }
  EXPECT_TRUE(WaitFor([&] { return store.Ready(); }));
  EXPECT_TRUE(Add("hung", 1).ok());
}

TEST_F(PostgresCounterStoreTest,
       CallInFlightWhenTheConnectionBreaksIsAmbiguous) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_ambiguous"));
  ASSERT_EQ(server_->Exec("twelve_ambiguous", kCreateCounters), "");
  CounterStore& store = OpenReady(Url("twelve_ambiguous"));
  std::optional<std::string> backend = server_->QueryValue(
      "postgres",
      "SELECT pid FROM pg_stat_activity WHERE datname = 'twelve_ambiguous'");
  ASSERT_TRUE(backend.has_value());
  pid_t pid = std::stoi(*backend);
  // The backend holds the command unanswered; then it is told to end.
  kill(pid, SIGSTOP);
  CounterStore* raw = store_.get();
  auto promise = std::make_shared<std::promise<Result<std::int64_t>>>();
  asio::post(threads_->context(0), [raw, promise] {
    raw->Add("ambiguous", 1, [promise](Result<std::int64_t> value) {
      promise->set_value(std::move(value));
    });
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server_->Exec("postgres",
                          "SELECT pg_terminate_backend(" + *backend + ")"),
            "");
  kill(pid, SIGCONT);
  auto future = promise->get_future();
  ASSERT_EQ(future.wait_for(kNoAnswer), std::future_status::ready);
  EXPECT_EQ(future.get().status().code(), StatusCode::kAmbiguous);
  EXPECT_TRUE(WaitFor([&] { return store.Ready(); }));
}

TEST_F(PostgresCounterStoreTest, CloseDropsCallsStillInFlight) {
  OpenReady(Url());
  std::atomic<bool> called{false};
  {
    ServerRestorer restorer(*server_);
    server_->Pause();
    CounterStore* store = store_.get();
    asio::post(threads_->context(0), [store, &called] {
      store->Add("dropped", 1, [&called](auto) { called = true; });
    });
    std::this_thread::sleep_for(100ms);
    threads_->Stop();
    store_->Close();
  }
  EXPECT_FALSE(called.load());
}

// --- Migrations -----------------------------------------------------------

TEST_F(PostgresCounterStoreTest, MigrateAppliesMigrationsInVersionOrder) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_migrate_order"));
  OpenReady(Url("twelve_migrate_order"));
  Status status =
      Migrate({{2, "create_b", "CREATE TABLE b (x INT REFERENCES a (x))"},
               {1, "create_a", "CREATE TABLE a (x INT PRIMARY KEY)"}});
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(server_->QueryValue("twelve_migrate_order",
                                "SELECT string_agg(name, ',' ORDER BY version)"
                                " FROM schema_migrations"),
            "create_a,create_b");
}

TEST_F(PostgresCounterStoreTest, MigrateCreatesTheTableAddUses) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_migrate_counters"));
  OpenReady(Url("twelve_migrate_counters"));
  ASSERT_TRUE(Migrate({{1, "create_counters", kCreateCounters}}).ok());
  EXPECT_EQ(*Add("visits", 1), 1);
}

TEST_F(PostgresCounterStoreTest, SchemaVersionIsZeroUntilMigratedThenTheLast) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_schema_version"));
  OpenReady(Url("twelve_schema_version"));
  Result<std::int64_t> before = SchemaVersion();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(*before, 0);
  ASSERT_TRUE(Migrate({{1, "create_a", "CREATE TABLE a (x INT)"},
                       {3, "create_b", "CREATE TABLE b (x INT)"}})
                  .ok());
  Result<std::int64_t> after = SchemaVersion();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after, 3);
}

TEST_F(PostgresCounterStoreTest, MigrateTwiceAppliesNothingTheSecondTime) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_migrate_twice"));
  OpenReady(Url("twelve_migrate_twice"));
  std::vector<Migration> migrations = {
      {1, "create_a", "CREATE TABLE a (x INT)"},
      {2, "create_b", "CREATE TABLE b (x INT); CREATE TABLE c (x INT)"}};
  ASSERT_TRUE(Migrate(migrations).ok());
  Status again = Migrate(migrations);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(sink_.Count("\"migration applied\""), 2);
}

TEST_F(PostgresCounterStoreTest, MigrateAppliesOnlyNewMigrations) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_migrate_new"));
  OpenReady(Url("twelve_migrate_new"));
  Migration first{1, "create_a", "CREATE TABLE a (x INT)"};
  Migration second{2, "create_b", "CREATE TABLE b (x INT)"};
  ASSERT_TRUE(Migrate({first}).ok());
  ASSERT_TRUE(Migrate({first, second}).ok());
  EXPECT_EQ(sink_.Count("\"migration applied\""), 2);
  EXPECT_EQ(sink_.Count("\"name\":\"create_b\""), 1);
}

TEST_F(PostgresCounterStoreTest, FailedMigrationIsRolledBack) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_migrate_fail"));
  OpenReady(Url("twelve_migrate_fail"));
  Status status = Migrate(
      {{1, "create_a", "CREATE TABLE a (x INT)"},
       {2, "broken", "CREATE TABLE b (x INT); SELECT no_such_function()"}});
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("migration 2 (broken)"), std::string::npos)
      << status.message();
  EXPECT_EQ(server_->QueryValue("twelve_migrate_fail",
                                "SELECT count(*) FROM schema_migrations"),
            "1");
  EXPECT_EQ(server_->QueryValue("twelve_migrate_fail",
                                "SELECT to_regclass('b') IS NULL"),
            "t");
}

TEST_F(PostgresCounterStoreTest, ConcurrentMigratesApplyEachMigrationOnce) {
  ASSERT_TRUE(server_->CreateDatabase("twelve_migrate_race"));
  OpenReady(Url("twelve_migrate_race"), FastOptions(), 2);
  std::vector<Migration> migrations = {
      {1, "create_a", "CREATE TABLE a (x INT)"},
      {2, "create_b", "CREATE TABLE b (x INT)"},
      {3, "create_c", "CREATE TABLE c (x INT)"}};
  CounterStore* store = store_.get();
  std::vector<std::future<Status>> results;
  for (int loop = 0; loop < 2; ++loop) {
    auto promise = std::make_shared<std::promise<Status>>();
    results.push_back(promise->get_future());
    asio::post(threads_->context(loop), [store, migrations, promise] {
      store->Migrate(migrations, [promise](const Status& status) {
        promise->set_value(status);
      });
    });
  }
  for (auto& result : results) {
    ASSERT_EQ(result.wait_for(kNoAnswer), std::future_status::ready);
    Status status = result.get();
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  EXPECT_EQ(sink_.Count("\"migration applied\""), 3);
}

TEST_F(PostgresCounterStoreTest, MigrateWhileServerDownIsUnavailable) {
  Open(UrlAt(FreePort()));
  EXPECT_EQ(Migrate({{1, "create_a", "CREATE TABLE a (x INT)"}}).code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace welcome
