// The Redis driver (redis::Client on RedisConnection) against a scripted server
// that breaks the protocol, or sends more than any reply may hold: each case
// gives its caller a clear Status, logs one event per transition, never buffers
// what it refuses, and (when the stream cannot be trusted any more) reconnects,
// after which a well-behaved server answers again. Each call is an INCRBY read
// with Reply::ToInteger().
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backing/redis/redis_reply_bounds.hpp"
#include "tests/support/capturing_sink.hpp"
#include "tests/support/process_memory.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/running_loops.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/waiting.hpp"
#include "twelve/backing/redis.hpp"

namespace twelve::backing {
namespace {

using std::chrono::milliseconds;
using test_support::Await;
using test_support::CapturingSink;
using test_support::kResidentPerHeapByte;
using test_support::LoopbackRedisUrl;
using test_support::PeakMemory;
using test_support::RespCommand;
using test_support::RunningLoops;
using test_support::Script;
using test_support::ScriptedServer;
using test_support::WaitFor;

constexpr std::uint64_t kHundredMegabytes = 100ull * 1024 * 1024;

std::string Repeated(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// A well-behaved server answers the handshake (a PING without a password,
// an AUTH with one) and then 7 to every command.
Script Handshake() { return Script().Read(RespCommand()).Send("+OK\r\n"); }
Script WellBehaved() {
  return Handshake().Repeat().Read(RespCommand()).Send(":7\r\n");
}
// Answers the handshake, then the first command with `reply`.
Script Answering(std::string reply) {
  return Handshake().Read(RespCommand()).Send(std::move(reply));
}
// ... and every later command with 7, on the same connection.
Script AnsweringThenWellBehaved(std::string reply) {
  return Answering(std::move(reply))
      .Repeat()
      .Read(RespCommand())
      .Send(":7\r\n");
}

class RedisHostileServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    loops_.Stop();
    if (client_) client_->Close();
    client_.reset();
  }

  static StoreOptions Options() {
    StoreOptions options;
    options.connect_timeout = milliseconds(2000);
    options.operation_timeout = milliseconds(5000);
    options.min_backoff = milliseconds(10);
    options.max_backoff = milliseconds(50);
    return options;
  }

  // Connection n to the server plays scripts[min(n, last)].
  void Open(std::vector<Script> scripts, std::string password = "",
            const StoreOptions& options = Options()) {
    server_ = std::make_unique<ScriptedServer>(std::move(scripts));
    Result<redis::Client> client = redis::Client::Open(
        LoopbackRedisUrl(server_->port(), std::move(password)), options,
        loops_.loops(), log_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_.emplace(std::move(*client));
  }

  Result<std::int64_t> Add(const std::string& key) {
    auto promise = std::make_shared<std::promise<Result<std::int64_t>>>();
    auto future = promise->get_future();
    loops_.Post(0, [this, key, promise] {
      client_->Command({"INCRBY", key, "1"}, [promise](
                                                 Result<redis::Reply> reply) {
        promise->set_value(reply.ok() ? reply->ToInteger() : reply.status());
      });
    });
    return Await(future);
  }
  bool WaitReady() {
    return WaitFor([this] { return client_->Ready(); });
  }
  bool WaitLogged(const std::string& text) {
    return WaitFor([&] { return sink_.Count(text) > 0; });
  }

  // A call to `key` fails with `code` and a message holding `what`.
  void ExpectFailure(const Result<std::int64_t>& result, StatusCode code,
                     const std::string& what) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), code) << result.status().ToString();
    EXPECT_NE(result.status().message().find(what), std::string::npos)
        << result.status().message();
  }

  // The connection was dropped once, logged as one loss and one
  // reconnection, and the next connection (a well-behaved script) counts.
  void ExpectReconnected() {
    ASSERT_TRUE(WaitReady());
    const Result<std::int64_t> after = Add("after");
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(*after, 7);
    EXPECT_EQ(server_->connections(), 2);
    EXPECT_EQ(sink_.Count("\"store connection lost\""), 1);
    EXPECT_EQ(sink_.Count("\"store reconnecting\""), 1);
    EXPECT_EQ(sink_.Count("\"back\":true"), 1);
  }

  // The reply was refused but the stream stayed in step: the same
  // connection answers the next command, and nothing was logged as lost.
  void ExpectConnectionKept() {
    const Result<std::int64_t> after = Add("after");
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(*after, 7);
    EXPECT_EQ(server_->connections(), 1);
    EXPECT_EQ(sink_.Count("\"store connection lost\""), 0);
  }

  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
  RunningLoops loops_{1};
  std::unique_ptr<ScriptedServer> server_;
  std::optional<redis::Client> client_;
};

TEST_F(RedisHostileServerTest, HundredMegabyteBulkStringIsRefusedUnbuffered) {
  Open({Answering("$104857600\r\n").Stream("x", kHundredMegabytes).Send("\r\n"),
        WellBehaved()});
  ASSERT_TRUE(WaitReady());
  const PeakMemory memory;
  ExpectFailure(Add("big"), StatusCode::kAmbiguous,
                "the server sent a bulk string of 104857600 bytes, more than "
                "the 8388608 a reply may hold");
  EXPECT_LT(memory.Growth(), kResidentPerHeapByte * static_cast<std::int64_t>(
                                                        kHundredMegabytes / 8));
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, ArrayOfAMillionElementsIsRefusedAtItsHeader) {
  Open({Answering("*1000000\r\n").Stream(":1\r\n", 4'000'000), WellBehaved()});
  ASSERT_TRUE(WaitReady());
  const PeakMemory memory;
  ExpectFailure(Add("many"), StatusCode::kAmbiguous,
                "an array of 1000000 elements, more than the 65536 a reply "
                "may hold");
  // Fed to hiredis, the elements would have cost about 64 bytes each.
  EXPECT_LT(memory.Growth(), kResidentPerHeapByte * 1'000'000 * 64 / 4);
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, ElementsOfNestedArraysCountTogether) {
  const std::string inner = "*1000\r\n" + Repeated(":1\r\n", 1000);
  Open({Answering("*1000\r\n").Stream(inner, inner.size() * 1000),
        WellBehaved()});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("nested-many"), StatusCode::kAmbiguous,
                "a reply of more than 65536 array elements");
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, ArraysNestedDeeperThanHiredisReadsAreRefused) {
  Open({Answering(Repeated("*1\r\n", 1000) + ":1\r\n"), WellBehaved()});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("deep"), StatusCode::kAmbiguous,
                "arrays nested more than 8 deep");
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, ArrayNestedAsDeepAsAllowedIsTheWrongType) {
  Open({AnsweringThenWellBehaved(
      Repeated("*1\r\n", RedisReplyBounds::kMaxDepth) + ":1\r\n")});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("deep-enough"), StatusCode::kInternal,
                "redis: expected an integer reply, the server sent an array");
  ExpectConnectionKept();
}

TEST_F(RedisHostileServerTest, StringWhereAnIntegerIsExpectedIsInternal) {
  Open({AnsweringThenWellBehaved("$2\r\n42\r\n")});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("wrong-type"), StatusCode::kInternal,
                "redis: expected an integer reply, the server sent a bulk "
                "string");
  ExpectConnectionKept();
}

TEST_F(RedisHostileServerTest, ErrorReplyIsInternalWithTheServersText) {
  Open({AnsweringThenWellBehaved("-ERR the server is in a mood\r\n")});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("error"), StatusCode::kInternal,
                "redis: ERR the server is in a mood");
  ExpectConnectionKept();
}

TEST_F(RedisHostileServerTest, TruncatedReplyThenCloseIsAmbiguous) {
  Open({Answering("$10\r\nabc").Close(), WellBehaved()});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("truncated"), StatusCode::kAmbiguous,
                "connection closed by the server");
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, ResetInTheMiddleOfAReplyIsAmbiguous) {
  Open({Answering(":12").Reset(), WellBehaved()});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("reset"), StatusCode::kAmbiguous, "redis at 127.0.0.1");
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, ByteThatIsNoReplyTypeIsAProtocolError) {
  Open({Answering("!boom\r\n"), WellBehaved()});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("bad-byte"), StatusCode::kAmbiguous,
                "a reply that starts with the byte '!' (0x21), not a RESP "
                "type");
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, ReplyNoCommandAskedForDropsTheConnection) {
  // The second reply comes with the first, when nothing else is pending.
  Open({Answering(":1\r\n:2\r\n"), WellBehaved()});
  ASSERT_TRUE(WaitReady());
  const Result<std::int64_t> answered = Add("unsolicited");
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  EXPECT_EQ(*answered, 1);
  ASSERT_TRUE(WaitLogged("a reply that no command asked for"));
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, EndlessAnswersToAuthDropTheConnection) {
  Open({Script().Read(RespCommand()).Stream("+OK\r\n", 50'000'000),
        WellBehaved()},
       "secret-4a1c");
  const PeakMemory memory;
  ASSERT_TRUE(WaitLogged("a reply that no command asked for"));
  EXPECT_LT(memory.Growth(), kResidentPerHeapByte * 50'000'000 / 8);
  EXPECT_NE(server_->Received(0).find("AUTH"), std::string::npos);
  ExpectReconnected();
}

TEST_F(RedisHostileServerTest, ErrorAnswerToAuthFailsTheAttempt) {
  Open({Script().Read(RespCommand()).Send("-WRONGPASS invalid password\r\n"),
        WellBehaved()},
       "secret-77d0");
  ASSERT_TRUE(WaitLogged("AUTH failed: WRONGPASS invalid password"));
  ASSERT_TRUE(WaitReady());
  const Result<std::int64_t> after = Add("after-auth");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(server_->connections(), 2);
  EXPECT_EQ(sink_.Count("\"store connection failed\""), 1);
}

// A server that does not know AUTH may echo its arguments (found by
// fuzz/redis): the password never reaches a log event or a Status.
TEST_F(RedisHostileServerTest, ErrorTextRepeatingThePasswordIsStarredOut) {
  const std::string password = "secret-5b2d";
  Open({Script()
            .Read(RespCommand())
            .Send("-ERR unknown command 'AUTH', with args beginning with: '" +
                  password + "'\r\n"),
        Handshake()
            .Read(RespCommand())
            .Send("-ERR " + password + " and " + password + "\r\n")
            .Repeat()
            .Read(RespCommand())
            .Send(":7\r\n")},
       password);
  ASSERT_TRUE(WaitLogged("with args beginning with: '***********'"));
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("echo"), StatusCode::kInternal,
                "redis: ERR *********** and ***********");
  EXPECT_EQ(sink_.All().find(password), std::string::npos) << sink_.All();
}

TEST_F(RedisHostileServerTest, SilentServerTimesOutThenAnotherCounts) {
  StoreOptions options = Options();
  options.operation_timeout = milliseconds(200);
  Open({Handshake().Read(RespCommand()).Pause(milliseconds(60'000)),
        WellBehaved()},
       "", options);
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add("silent"), StatusCode::kTimeout, "no answer within 200ms");
  ExpectReconnected();
}

}  // namespace
}  // namespace twelve::backing
