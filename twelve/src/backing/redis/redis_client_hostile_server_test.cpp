// redis::Client against a scripted server that cuts replies short or sends
// garbage: the caller gets kAmbiguous naming what was wrong, the connection
// is dropped and comes back, and the next command gets its reply. Replies
// of every shape the protocol allows come through as the same values.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/capturing_sink.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/running_loops.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/waiting.hpp"
#include "twelve/backing/redis.hpp"

namespace twelve::redis {
namespace {

using std::chrono::milliseconds;
using test_support::Await;
using test_support::CapturingSink;
using test_support::LoopbackRedisUrl;
using test_support::RespCommand;
using test_support::RunningLoops;
using test_support::Script;
using test_support::ScriptedServer;
using test_support::WaitFor;

// Answers the handshake (a PING: no password), then the first command with
// `reply`.
Script Answering(std::string reply) {
  return Script()
      .Read(RespCommand())
      .Send("+PONG\r\n")
      .Read(RespCommand())
      .Send(std::move(reply));
}
// ... and every later command with 7.
Script AnsweringThenSeven(std::string reply) {
  return Answering(std::move(reply))
      .Repeat()
      .Read(RespCommand())
      .Send(":7\r\n");
}
Script AlwaysSeven() {
  return Script()
      .Read(RespCommand())
      .Send("+PONG\r\n")
      .Repeat()
      .Read(RespCommand())
      .Send(":7\r\n");
}

class RedisClientHostileServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    loops_.Stop();
    if (client_) client_->Close();
    client_.reset();
  }

  void Open(std::vector<Script> scripts) {
    server_ = std::make_unique<ScriptedServer>(std::move(scripts));
    const StoreUrl url = LoopbackRedisUrl(server_->port());
    StoreOptions options;
    options.connect_timeout = milliseconds(2000);
    options.operation_timeout = milliseconds(5000);
    options.min_backoff = milliseconds(10);
    options.max_backoff = milliseconds(50);
    Result<Client> client = Client::Open(url, options, loops_.loops(), log_);
    ASSERT_TRUE(client.ok());
    client_.emplace(std::move(*client));
  }

  Result<Reply> Run(std::vector<std::string> args) {
    auto promise = std::make_shared<std::promise<Result<Reply>>>();
    auto future = promise->get_future();
    loops_.Post(0, [this, args = std::move(args), promise] {
      client_->Command(std::span<const std::string>(args),
                       [promise](Result<Reply> reply) {
                         promise->set_value(std::move(reply));
                       });
    });
    return Await(future);
  }

  bool WaitReady() {
    return WaitFor([this] { return client_->Ready(); });
  }

  void ExpectAmbiguous(const Result<Reply>& result, const std::string& what) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kAmbiguous)
        << result.status().ToString();
    EXPECT_NE(result.status().message().find(what), std::string::npos)
        << result.status().message();
  }

  // Dropped once, reconnected, and the new connection answers.
  void ExpectReconnected() {
    ASSERT_TRUE(WaitReady());
    const Result<Reply> after = Run({"GET", "after"});
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(*after, Reply::Integer(7));
    EXPECT_EQ(server_->connections(), 2);
    EXPECT_EQ(sink_.Count("\"store connection lost\""), 1);
  }

  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
  RunningLoops loops_{1};
  std::unique_ptr<ScriptedServer> server_;
  std::optional<Client> client_;
};

TEST_F(RedisClientHostileServerTest, TruncatedReplyThenCloseIsAmbiguous) {
  Open({Answering("$10\r\nabc").Close(), AlwaysSeven()});
  ASSERT_TRUE(WaitReady());
  ExpectAmbiguous(Run({"GET", "k"}), "connection closed by the server");
  ExpectReconnected();
}

TEST_F(RedisClientHostileServerTest, TruncatedArrayThenResetIsAmbiguous) {
  Open({Answering("*3\r\n$1\r\na\r\n:2").Reset(), AlwaysSeven()});
  ASSERT_TRUE(WaitReady());
  ExpectAmbiguous(Run({"LRANGE", "k", "0", "-1"}), "redis at 127.0.0.1");
  ExpectReconnected();
}

TEST_F(RedisClientHostileServerTest, GarbageIsAProtocolErrorAndReconnects) {
  Open({Answering("HTTP/1.1 400 Bad Request\r\n\r\n"), AlwaysSeven()});
  ASSERT_TRUE(WaitReady());
  ExpectAmbiguous(Run({"GET", "k"}),
                  "a reply that starts with the byte 'H' (0x48), not a RESP "
                  "type");
  ExpectReconnected();
}

TEST_F(RedisClientHostileServerTest, GarbageInsideAnArrayIsAProtocolError) {
  Open({Answering("*2\r\n:1\r\n$x\r\n"), AlwaysSeven()});
  ASSERT_TRUE(WaitReady());
  ExpectAmbiguous(Run({"MGET", "a", "b"}),
                  "a '$' line that is not a 64-bit decimal integer");
  ExpectReconnected();
}

TEST_F(RedisClientHostileServerTest, BulkStringWithoutItsCrlfIsRefused) {
  Open({Answering("$3\r\nabcXY"), AlwaysSeven()});
  ASSERT_TRUE(WaitReady());
  ExpectAmbiguous(Run({"GET", "k"}), "a bulk string not followed by CRLF");
  ExpectReconnected();
}

TEST_F(RedisClientHostileServerTest, EveryShapeOfReplyBecomesItsValue) {
  Open({AnsweringThenSeven(
      "*5\r\n*-1\r\n*2\r\n$-1\r\n+OK\r\n*0\r\n-ERR inner\r\n:-9\r\n")});
  ASSERT_TRUE(WaitReady());
  const Result<Reply> reply = Run({"EVAL", "whatever", "0"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(
      *reply,
      Reply::Array(
          {Reply::Nil(), Reply::Array({Reply::Nil(), Reply::Status("OK")}),
           Reply::Array({}), Reply::Error("ERR inner"), Reply::Integer(-9)}));
  // The stream stayed in step: the same connection answers.
  EXPECT_EQ(*Run({"GET", "k"}), Reply::Integer(7));
  EXPECT_EQ(server_->connections(), 1);
}

TEST_F(RedisClientHostileServerTest, ArgumentsGoOutAsHiredisFormatsThem) {
  Open({AlwaysSeven()});
  ASSERT_TRUE(WaitReady());
  const std::string value("a\0\r\nb", 5);
  EXPECT_TRUE(Run({"SET", "k", value}).ok());
  constexpr char kSent[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0\r\nb\r\n";
  EXPECT_NE(server_->Received(0).find(std::string(kSent, sizeof(kSent) - 1)),
            std::string::npos);
}

}  // namespace
}  // namespace twelve::redis
