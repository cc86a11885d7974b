// redis::Client against a real redis-server (tests/support starts one).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "backing/redis/redis_reply_bounds.hpp"
#include "process/event_loops.hpp"
#include "tests/support/capturing_sink.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/running_loops.hpp"
#include "tests/support/waiting.hpp"
#include "twelve/backing/redis.hpp"
#include "twelve/process/task_loop.hpp"

namespace twelve::redis {
namespace {

using std::chrono::milliseconds;
using test_support::CapturingSink;
using test_support::RedisServer;
using test_support::RunningLoops;

using test_support::Await;
using test_support::WaitFor;

class RedisClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RedisServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void TearDown() override { CloseClient(); }

  static StoreUrl Url() { return server_->url(); }
  static StoreOptions Options() {
    StoreOptions options;
    options.connect_timeout = milliseconds(1000);
    options.operation_timeout = milliseconds(2000);
    options.min_backoff = milliseconds(20);
    options.max_backoff = milliseconds(200);
    return options;
  }

  Client& Open(const StoreUrl& url = Url()) {
    Result<Client> client = Client::Open(url, Options(), loops_.loops(), log_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    client_.emplace(std::move(*client));
    return *client_;
  }
  void CloseClient() {
    loops_.Stop();
    if (client_) client_->Close();
    client_.reset();
  }
  bool WaitReady() {
    return WaitFor([this] { return client_->Ready(); });
  }

  // Runs `args` on loop `loop` and waits for the reply.
  Result<Reply> Run(std::vector<std::string> args, std::size_t loop = 0) {
    auto promise = std::make_shared<std::promise<Result<Reply>>>();
    auto future = promise->get_future();
    loops_.Post(loop, [this, args = std::move(args), promise] {
      client_->Command(std::span<const std::string>(args),
                       [promise](Result<Reply> reply) {
                         promise->set_value(std::move(reply));
                       });
    });
    return Await(future);
  }
  // The reply, which must have come.
  Reply Answer(std::vector<std::string> args, std::size_t loop = 0) {
    Result<Reply> reply = Run(std::move(args), loop);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? std::move(*reply) : Reply::Error("no reply");
  }

  // The server's count of read events on client sockets (INFO stats).
  static std::int64_t ReadsProcessed() {
    const std::string info = server_->Command({"INFO", "stats"});
    const std::string field = "total_reads_processed:";
    const std::size_t at = info.find(field);
    if (at == std::string::npos) return -1;
    return std::stoll(info.substr(at + field.size()));
  }

  static inline RedisServer* server_ = nullptr;
  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
  RunningLoops loops_{2};
  std::optional<Client> client_;
};

// Tests that stop, pause or kill the server leave it running for the next.
class RedisClientOutageTest : public RedisClientTest {};

TEST_F(RedisClientTest, SetGetIncrDel) {
  Open();
  EXPECT_EQ(Answer({"SET", "client-k", "v1"}), Reply::Status("OK"));
  EXPECT_EQ(Answer({"GET", "client-k"}, 1), Reply::String("v1"));
  EXPECT_EQ(Answer({"INCR", "client-n"}), Reply::Integer(1));
  EXPECT_EQ(*Answer({"INCR", "client-n"}, 1).ToInteger(), 2);
  EXPECT_EQ(Answer({"DEL", "client-k", "client-n"}), Reply::Integer(2));
  EXPECT_TRUE(Answer({"GET", "client-k"}).is_nil());
  EXPECT_EQ(server_->Command({"EXISTS", "client-k"}), "0");
}

TEST_F(RedisClientTest, BinaryKeysAndValuesRoundTrip) {
  Open();
  const std::string key("bin\0key\r\n", 9);
  const std::string value("\0\r\n$3\r\nSET\r\n*1\r\n\xff", 17);
  EXPECT_TRUE(Answer({"SET", key, value}).ToOk().ok());
  EXPECT_EQ(Answer({"GET", key}, 1), Reply::String(value));
  EXPECT_EQ(Answer({"STRLEN", key}), Reply::Integer(17));
  // Nothing was taken as a command: only the one key exists.
  EXPECT_EQ(Answer({"EXISTS", key, "SET"}), Reply::Integer(1));
  const std::string empty;
  EXPECT_TRUE(Answer({"SET", "client-empty", empty}).ToOk().ok());
  EXPECT_EQ(Answer({"GET", "client-empty"}), Reply::String(""));
}

TEST_F(RedisClientTest, ArraysWithNilsAndNesting) {
  Open();
  Answer({"DEL", "client-list"});
  EXPECT_EQ(Answer({"RPUSH", "client-list", "a", "b", "c"}), Reply::Integer(3));
  EXPECT_EQ(Answer({"LRANGE", "client-list", "0", "-1"}),
            Reply::Array(
                {Reply::String("a"), Reply::String("b"), Reply::String("c")}));
  EXPECT_EQ(Answer({"LRANGE", "client-missing", "0", "-1"}), Reply::Array({}));
  Answer({"MSET", "client-m1", "one", "client-m3", "three"});
  EXPECT_EQ(Answer({"MGET", "client-m1", "client-m2", "client-m3"}),
            Reply::Array(
                {Reply::String("one"), Reply::Nil(), Reply::String("three")}));
  // EVAL answers a nested array, with an integer and a status inside.
  EXPECT_EQ(Answer({"EVAL", "return {1, {'x', {ok='fine'}}}", "0"}),
            Reply::Array(
                {Reply::Integer(1),
                 Reply::Array({Reply::String("x"), Reply::Status("fine")})}));
}

TEST_F(RedisClientTest, ManyArgumentsInOneCommand) {
  Open();
  std::vector<std::string> mset = {"MSET"};
  std::vector<std::string> mget = {"MGET"};
  for (int i = 0; i < 100; ++i) {
    mset.push_back("client-many-" + std::to_string(i));
    mset.push_back(std::to_string(i * i));
    mget.push_back("client-many-" + std::to_string(i));
  }
  EXPECT_TRUE(Answer(mset).ToOk().ok());
  const Reply values = Answer(mget);
  ASSERT_EQ(values.elements().size(), 100u);
  EXPECT_EQ(values.elements()[99], Reply::String("9801"));
}

TEST_F(RedisClientTest, ErrorReplyIsAReplyAndKeepsTheConnection) {
  Open();
  Answer({"DEL", "client-a-list"});
  Answer({"LPUSH", "client-a-list", "x"});
  const Result<Reply> wrong = Run({"INCR", "client-a-list"});
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  ASSERT_TRUE(wrong->is_error());
  EXPECT_EQ(wrong->text().rfind("WRONGTYPE", 0), 0u) << wrong->text();
  const Result<std::int64_t> as_integer = wrong->ToInteger();
  EXPECT_EQ(as_integer.status().code(), StatusCode::kInternal);
  EXPECT_NE(as_integer.status().message().find("redis: WRONGTYPE"),
            std::string::npos);
  EXPECT_TRUE(Answer({"NO-SUCH-COMMAND"}).is_error());
  EXPECT_EQ(Answer({"PING"}), Reply::Status("PONG"));
  EXPECT_EQ(sink_.Count("\"store connection lost\""), 0);
}

TEST_F(RedisClientTest, RefusedCommandFailsAtOnceAndSendsNothing) {
  Open();
  const Result<Reply> select = Run({"SELECT", "1"});
  ASSERT_FALSE(select.ok());
  EXPECT_EQ(select.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(select.status().message().find("name the database in the URL"),
            std::string::npos);
  const Result<Reply> nothing = Run({});
  EXPECT_EQ(nothing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Answer({"PING"}), Reply::Status("PONG"));
}

TEST_F(RedisClientTest, SelectsTheDatabaseOfTheUrl) {
  StoreUrl url = Url();
  url.database = 3;
  Open(url);
  EXPECT_TRUE(Answer({"SET", "client-in-db-3", "x"}).ToOk().ok());
  EXPECT_EQ(server_->Command({"GET", "client-in-db-3"}, 3), "x");
  EXPECT_EQ(server_->Command({"GET", "client-in-db-3"}, 0), "(nil)");
}

TEST_F(RedisClientTest, OpenRefusesAUrlOfAnotherStore) {
  StoreUrl url = Url();
  url.kind = StoreUrl::Kind::kPostgres;
  const Result<Client> client =
      Client::Open(url, Options(), loops_.loops(), log_);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.status().message(),
            "redis: expected a redis:// URL, got another kind of store");
}

TEST_F(RedisClientTest, CallbacksRunOnTheCallingLoopInOrder) {
  Open();
  auto promise = std::make_shared<std::promise<std::vector<int>>>();
  auto future = promise->get_future();
  loops_.Post(1, [this, promise] {
    auto seen = std::make_shared<std::vector<int>>();
    for (int i = 0; i < 3; ++i) {
      client_->Command({"PING"}, [this, i, seen, promise](Result<Reply>) {
        seen->push_back(loops_.loops().CurrentIndex() == 1 ? i : -1);
        if (seen->size() == 3) promise->set_value(*seen);
      });
    }
  });
  EXPECT_EQ(Await(future), (std::vector<int>{0, 1, 2}));
}

// A callback may own move-only state: here the promise and a unique_ptr,
// which a copyable std::function could only hold behind a shared_ptr.
TEST_F(RedisClientTest, CallbacksMayOwnMoveOnlyState) {
  Open();
  ASSERT_TRUE(WaitReady());
  std::promise<std::string> promise;
  std::future<std::string> future = promise.get_future();
  loops_.Post(0, [this, promise = std::move(promise),
                  note = std::make_unique<std::string>("kept")]() mutable {
    client_->Command({"ECHO", "answered"}, [promise = std::move(promise),
                                            note = std::move(note)](
                                               Result<Reply> reply) mutable {
      promise.set_value(reply.ok() ? *note + " " + reply->text()
                                   : reply.status().ToString());
    });
  });
  EXPECT_EQ(Await(future), "kept answered");
}

TEST_F(RedisClientTest, CallFromOutsideTheLoopsIsAnsweredOnTheFirstLoop) {
  Open();
  auto promise = std::make_shared<std::promise<int>>();
  auto future = promise->get_future();
  {
    const std::string key = "client-off-loop";  // gone before the send
    client_->Command({"SET", key, "x"}, [this, promise](Result<Reply> r) {
      promise->set_value(
          r.ok() && r->is_status() ? loops_.loops().CurrentIndex() : -2);
    });
  }
  EXPECT_EQ(Await(future), 0);
  EXPECT_EQ(server_->Command({"GET", "client-off-loop"}), "x");
}

// Pipelining, seen from the server: the commands of one loop turn reach it
// in one write, so it reads them in a few read events (16 KiB each), while
// commands sent one per turn cost a read event each.
TEST_F(RedisClientTest, CommandsOfOneLoopTurnGoOutTogether) {
  Open();
  ASSERT_TRUE(WaitReady());
  Answer({"DEL", "client-pipelined"});
  constexpr int kCommands = 1000;
  const std::int64_t before = ReadsProcessed();
  auto promise = std::make_shared<std::promise<std::vector<std::int64_t>>>();
  auto future = promise->get_future();
  loops_.Post(0, [this, promise] {
    auto values = std::make_shared<std::vector<std::int64_t>>();
    for (int i = 0; i < kCommands; ++i) {
      client_->Command(
          {"INCR", "client-pipelined"}, [values, promise](Result<Reply> reply) {
            values->push_back(
                reply.ok() && reply->is_integer() ? reply->integer() : -1);
            if (values->size() == std::size_t{kCommands}) {
              promise->set_value(*values);
            }
          });
    }
  });
  std::vector<std::int64_t> expected(kCommands);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(Await(future), expected);  // each its own reply, in order
  const std::int64_t reads = ReadsProcessed() - before;
  // 1000 INCRs are ~36 KB: 3 reads, plus the INFO connections' own.
  EXPECT_LE(reads, 20) << "read events for " << kCommands << " commands";
  std::cout << "[ measured ] " << kCommands
            << " commands of one loop turn: " << reads
            << " read events on the server\n";
}

TEST_F(RedisClientTest, CommandsOfSuccessiveTurnsAreEachAWrite) {
  Open();
  ASSERT_TRUE(WaitReady());
  constexpr int kCommands = 50;
  const std::int64_t before = ReadsProcessed();
  auto promise = std::make_shared<std::promise<void>>();
  auto future = promise->get_future();
  // Each command is given in the callback of the one before.
  auto next = std::make_shared<std::function<void(int)>>();
  *next = [this, next, promise](int left) {
    if (left == 0) {
      promise->set_value();
      *next = nullptr;  // breaks the cycle
      return;
    }
    client_->Command({"PING"},
                     [next, left](Result<Reply>) { (*next)(left - 1); });
  };
  loops_.Post(0, [next] { (*next)(kCommands); });
  Await(future);
  const std::int64_t reads = ReadsProcessed() - before;
  EXPECT_GE(reads, kCommands);
  std::cout << "[ measured ] " << kCommands << " commands of " << kCommands
            << " loop turns: " << reads << " read events on the server\n";
}

TEST_F(RedisClientTest, ReplyPastTheBoundFailsAndTheConnectionRecovers) {
  Open();
  ASSERT_TRUE(WaitReady());
  const std::string big(backing::RedisReplyBounds::kMaxReplyBytes + 1, 'x');
  EXPECT_TRUE(Answer({"SET", "client-big", big}).ToOk().ok());
  const Result<Reply> too_big = Run({"GET", "client-big"});
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kAmbiguous);
  EXPECT_NE(too_big.status().message().find(
                "a bulk string of 8388609 bytes, more than the 8388608 a "
                "reply may hold"),
            std::string::npos)
      << too_big.status().message();
  ASSERT_TRUE(WaitReady());
  EXPECT_EQ(Answer({"STRLEN", "client-big"}), Reply::Integer(8388609));
  EXPECT_EQ(Answer({"DEL", "client-big"}), Reply::Integer(1));
  EXPECT_EQ(sink_.Count("\"store connection lost\""), 1);
}

TEST_F(RedisClientTest, BlockingFormOnATaskLoop) {
  loops_.Stop();  // unused here
  TaskLoop loop;
  Result<Client> client = Client::Open(Url(), Options(), loop.loops(), log_);
  ASSERT_TRUE(client.ok());
  // The first command waits for the first connection.
  const Result<Reply> set =
      client->CommandAndWait(loop, {"SET", "client-task", "t"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(set->ToOk().ok());
  EXPECT_EQ(*client->CommandAndWait(loop, {"GET", "client-task"}),
            Reply::String("t"));
  const std::vector<std::string> del = {"DEL", "client-task"};
  EXPECT_EQ(*client->CommandAndWait(loop, del), Reply::Integer(1));
  EXPECT_TRUE(client->Ready());
  EXPECT_EQ(client->CommandAndWait(loop, {"MULTI"}).status().code(),
            StatusCode::kInvalidArgument);
  TaskLoop other;
  const Result<Reply> elsewhere = client->CommandAndWait(other, {"PING"});
  EXPECT_EQ(elsewhere.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(elsewhere.status().message(),
            "redis: CommandAndWait expected the TaskLoop the client was "
            "opened on, got another");
  client->Close();
}

TEST_F(RedisClientOutageTest, ServerRestartFailsUnavailableThenServesAgain) {
  Open();
  ASSERT_TRUE(WaitReady());
  server_->Stop();
  ASSERT_TRUE(WaitFor([this] { return !client_->Ready(); }));
  for (std::size_t loop = 0; loop < 2; ++loop) {
    const Result<Reply> down = Run({"SET", "client-outage", "x"}, loop);
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(down.status().message().find("unavailable"), std::string::npos);
  }
  server_->Start();
  ASSERT_TRUE(WaitReady());
  EXPECT_TRUE(Answer({"SET", "client-outage", "y"}, 0).ToOk().ok());
  EXPECT_EQ(Answer({"GET", "client-outage"}, 1), Reply::String("y"));
  EXPECT_EQ(sink_.Count("\"back\":true"), 2);
}

TEST_F(RedisClientOutageTest, SentWithoutAnAnswerIsAmbiguousNotRetried) {
  Open();
  ASSERT_TRUE(WaitReady());
  Answer({"DEL", "client-broken"});
  server_->Pause();
  auto promise = std::make_shared<std::promise<Result<Reply>>>();
  auto future = promise->get_future();
  loops_.Post(0, [this, promise] {
    client_->Command({"INCR", "client-broken"}, [promise](Result<Reply> r) {
      promise->set_value(std::move(r));
    });
  });
  loops_.Sync(0);  // the command ran and posted its flush
  loops_.Sync(0);  // the flush ran: the command is in the server's socket
  server_->Kill();
  const Result<Reply> result = Await(future);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAmbiguous);
  EXPECT_NE(result.status().message().find(
                "after the command was sent; it may or may not have been "
                "applied"),
            std::string::npos)
      << result.status().message();
  server_->Start();
  ASSERT_TRUE(WaitReady());
  // Not resent after the reconnection (the server lost it with its memory).
  EXPECT_TRUE(Answer({"GET", "client-broken"}).is_nil());
}

TEST_F(RedisClientOutageTest, BlockingFormWhileTheServerIsDownIsUnavailable) {
  loops_.Stop();
  server_->Stop();
  TaskLoop loop;
  Result<Client> client = Client::Open(Url(), Options(), loop.loops(), log_);
  ASSERT_TRUE(client.ok());
  const Result<Reply> down = client->CommandAndWait(loop, {"PING"});
  server_->Start();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable)
      << down.status().ToString();
  client->Close();
}

}  // namespace
}  // namespace twelve::redis
