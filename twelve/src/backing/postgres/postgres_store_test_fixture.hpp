#pragma once
// PostgresStoreTest: the fixture of the PostgreSQL driver's tests against a
// real server through sql::Client (postgres_session_test.cpp: how it
// reaches the server, TLS and logins). Its calls are an upsert ...
// RETURNING on a counters table, a statement that needs a session that
// works; welcome's counter has tests of its own.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "process/event_loops.hpp"
#include "tests/support/capturing_sink.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/running_loops.hpp"
#include "tests/support/waiting.hpp"
#include "twelve/backing/sql.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"

namespace twelve::backing::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::CapturingSink;
using test_support::PostgresServer;
using test_support::RunningLoops;
using test_support::WaitFor;

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

inline constexpr const char* kUpsert =
    "INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) "
    "DO UPDATE SET value = counters.value + excluded.value RETURNING value";

// A PostgreSQL client on a real server, with the calls a test makes on it.
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
    if (client_) client_->Close();
    client_.reset();
    threads_.reset();
  }

  sql::Client& Open(const std::string& url,
                    StoreOptions options = FastOptions(), int loops = 1) {
    threads_ = std::make_unique<RunningLoops>(loops);
    Result<StoreUrl> parsed = ParseStoreUrl(url);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    Result<std::unique_ptr<sql::Client>> client =
        sql::Open(*parsed, options, threads_->loops(), logger_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    return *client_;
  }
  sql::Client& OpenReady(const std::string& url,
                         StoreOptions options = FastOptions(), int loops = 1) {
    sql::Client& client = Open(url, options, loops);
    EXPECT_TRUE(WaitFor([&] { return client.Ready(); }));
    return client;
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
  // Adds `delta` to counter `key` with the upsert; the value after it.
  Result<std::int64_t> Add(const std::string& key, std::int64_t delta,
                           int loop = 0) {
    sql::Client* client = client_.get();
    Result<sql::ResultSet> rows =
        Await<Result<sql::ResultSet>>(loop, [=](auto done) {
          client->Query(kUpsert, {key, delta}, std::move(done));
        });
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Internal("test: no row");
    std::optional<std::int64_t> value = (*rows)[0].Int(0);
    if (!value) return Status::Internal("test: not an integer");
    return *value;
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
  std::unique_ptr<sql::Client> client_;
};

}  // namespace twelve::backing::test
