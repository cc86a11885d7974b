// The Redis counter's reading of replies that are well framed but not what
// INCRBY, GET and SET answer, from a scripted server (tests/support): each
// is kInternal naming what was expected and what came, and the connection
// is kept (the stream is still in step).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "counter/counter_store.hpp"
#include "counter/open_counter_store_for_test.hpp"
#include "tests/support/capturing_sink.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/running_loops.hpp"
#include "tests/support/scripted_server.hpp"

namespace welcome {
namespace {

using twelve::LogFormat;
using twelve::Logger;
using twelve::LogLevel;
using twelve::Result;
using twelve::Status;
using twelve::StatusCode;
using twelve::StoreOptions;
using twelve::StoreUrl;
using twelve::test_support::LoopbackRedisUrl;
using twelve::test_support::RespCommand;
using twelve::test_support::Script;
using twelve::test_support::ScriptedServer;

constexpr auto kWait = std::chrono::seconds(20);

// Answers the handshake's PING, then every command with `reply`.
Script AlwaysAnswering(std::string reply) {
  return Script()
      .Read(RespCommand())
      .Send("+PONG\r\n")
      .Repeat()
      .Read(RespCommand())
      .Send(std::move(reply));
}

class RedisCounterReplyTest : public ::testing::Test {
 protected:
  void TearDown() override {
    loops_.Stop();
    if (store_) store_->Close();
  }

  void Open(std::string reply) {
    server_ = std::make_unique<ScriptedServer>(
        std::vector<Script>{AlwaysAnswering(std::move(reply))});
    store_ = OpenCounterStoreForTest(LoopbackRedisUrl(server_->port()),
                                     StoreOptions{}, loops_.loops(), log_);
    ASSERT_NE(store_, nullptr);
  }

  // Runs `call` on the loop and waits for what it reports.
  template <typename T>
  T Call(std::function<void(std::function<void(T)>)> call) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    loops_.Post(0, [call, promise] {
      call([promise](T value) { promise->set_value(std::move(value)); });
    });
    if (future.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "no callback";
      std::abort();  // the callback still refers to the promise
    }
    return future.get();
  }
  Result<std::int64_t> Add() {
    return Call<Result<std::int64_t>>(
        [this](auto done) { store_->Add("visitorCount", 1, done); });
  }
  Result<std::int64_t> Get() {
    return Call<Result<std::int64_t>>(
        [this](auto done) { store_->Get("visitorCount", done); });
  }
  Status Set() {
    return Call<Status>(
        [this](auto done) { store_->Set("visitorCount", 0, done); });
  }

  static void ExpectInternal(const Status& status, const std::string& what) {
    EXPECT_EQ(status.code(), StatusCode::kInternal) << status.ToString();
    EXPECT_NE(status.message().find(what), std::string::npos)
        << status.message();
  }

  twelve::test_support::CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
  twelve::test_support::RunningLoops loops_{1};
  std::unique_ptr<ScriptedServer> server_;
  std::unique_ptr<CounterStore> store_;
};

TEST_F(RedisCounterReplyTest, IncrbyAnsweredWithAStringIsInternal) {
  Open("$2\r\n42\r\n");
  ExpectInternal(Add().status(),
                 "redis: INCRBY expects an integer reply, the server sent a "
                 "bulk string");
  ExpectInternal(Add().status(), "INCRBY expects an integer");
  EXPECT_EQ(server_->connections(), 1);  // kept
}

TEST_F(RedisCounterReplyTest, IncrbyAnsweredWithAnArrayIsInternal) {
  Open("*1\r\n:1\r\n");
  ExpectInternal(Add().status(),
                 "redis: INCRBY expects an integer reply, the server sent an "
                 "array");
}

TEST_F(RedisCounterReplyTest, GetAnsweredWithAnIntegerIsInternal) {
  Open(":5\r\n");
  ExpectInternal(Get().status(),
                 "redis: GET expects a bulk string or nil reply, the server "
                 "sent an integer");
}

TEST_F(RedisCounterReplyTest, SetAnsweredWithAnIntegerIsInternal) {
  Open(":1\r\n");
  ExpectInternal(Set(),
                 "redis: SET expects a status reply, the server sent an "
                 "integer");
}

TEST_F(RedisCounterReplyTest, AnErrorReplyIsInternalWithTheServersText) {
  Open("-ERR the server is in a mood\r\n");
  ExpectInternal(Add().status(), "redis: ERR the server is in a mood");
  ExpectInternal(Get().status(), "redis: ERR the server is in a mood");
  ExpectInternal(Set(), "redis: ERR the server is in a mood");
}

}  // namespace
}  // namespace welcome
