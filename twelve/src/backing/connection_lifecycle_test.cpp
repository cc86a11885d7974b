#include "backing/connection_lifecycle.hpp"

#include <gtest/gtest.h>

#include <string>

#include "backing/store_metrics.hpp"
#include "tests/support/capturing_sink.hpp"

namespace twelve::backing {
namespace {

using Failure = ConnectionLifecycle::Failure;
using std::chrono::milliseconds;

class ConnectionLifecycleTest : public ::testing::Test {
 protected:
  ConnectionLifecycle::Options Options() {
    return {.store = "redis",
            .address = "127.0.0.1:6379",
            .loop = 2,
            .min_backoff = milliseconds(100),
            .max_backoff = milliseconds(400)};
  }
  void Connect(ConnectionLifecycle& lifecycle) {
    const Field fields[] = {{"database", 3}};
    lifecycle.Connected(fields);
  }

  test_support::CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
};

TEST_F(ConnectionLifecycleTest, ConnectedLogsTheDriversFieldsThenBack) {
  ConnectionLifecycle lifecycle(Options(), log_);
  EXPECT_TRUE(lifecycle.first_attempt());
  EXPECT_FALSE(lifecycle.ready());
  Connect(lifecycle);
  EXPECT_TRUE(lifecycle.ready());
  EXPECT_FALSE(lifecycle.first_attempt());
  ASSERT_EQ(sink_.Count("\"store connected\""), 1);
  EXPECT_NE(sink_.All().find("\"store\":\"redis\",\"loop\":2,\"address\":"
                             "\"127.0.0.1:6379\",\"database\":3,\"back\":"
                             "false"),
            std::string::npos)
      << sink_.All();
}

TEST_F(ConnectionLifecycleTest, AnOutageLogsEachTransitionOnce) {
  ConnectionLifecycle lifecycle(Options(), log_);
  Connect(lifecycle);
  ASSERT_TRUE(lifecycle.Failed("connection reset", Failure::kBroken));
  EXPECT_FALSE(lifecycle.ready());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(lifecycle.Failed("connection refused", Failure::kBroken));
  }
  Connect(lifecycle);
  EXPECT_EQ(sink_.Count("\"store connection lost\""), 1);
  EXPECT_EQ(sink_.Count("\"store reconnecting\""), 1);
  EXPECT_EQ(sink_.Count("\"store reconnect failed\""), 5);
  EXPECT_EQ(sink_.Count("\"level\":\"debug\",\"msg\":\"store reconnect"), 5);
  EXPECT_EQ(sink_.Count("\"back\":true"), 1);
}

TEST_F(ConnectionLifecycleTest, TheFirstFailedAttemptIsAWarningThenDebug) {
  ConnectionLifecycle lifecycle(Options(), log_);
  lifecycle.Failed("connection refused", Failure::kBroken);
  lifecycle.Failed("connection refused", Failure::kBroken);
  EXPECT_EQ(sink_.Count("\"level\":\"warn\",\"msg\":\"store connection "
                        "failed\""),
            1);
  EXPECT_EQ(sink_.Count("\"store reconnecting\""), 1);
  EXPECT_EQ(sink_.Count("\"store reconnect failed\""), 1);
  EXPECT_FALSE(lifecycle.first_attempt());
}

TEST_F(ConnectionLifecycleTest, ANewRefusalIsAWarningAgain) {
  ConnectionLifecycle lifecycle(Options(), log_);
  lifecycle.Failed("connection refused", Failure::kBroken);
  lifecycle.Failed("AUTH failed: WRONGPASS", Failure::kRefused);
  lifecycle.Failed("AUTH failed: WRONGPASS", Failure::kRefused);
  EXPECT_EQ(sink_.Count("\"store connection failed\""), 2);
  EXPECT_EQ(sink_.Count("\"store reconnect failed\""), 1);
}

TEST_F(ConnectionLifecycleTest, BackoffGrowsWithJitterAndResetsWhenBack) {
  ConnectionLifecycle lifecycle(Options(), log_);
  // +-50% around 100, 200, 400, 400 ms.
  const long long bases[] = {100, 200, 400, 400};
  for (long long base : bases) {
    auto delay = lifecycle.Failed("down", Failure::kBroken);
    ASSERT_TRUE(delay);
    EXPECT_GE(delay->count(), base / 2);
    EXPECT_LE(delay->count(), base * 3 / 2);
  }
  Connect(lifecycle);
  auto delay = lifecycle.Failed("down", Failure::kBroken);
  ASSERT_TRUE(delay);
  EXPECT_LE(delay->count(), 150);
}

TEST_F(ConnectionLifecycleTest, AOneOffConnectionNeitherWaitsNorSaysSo) {
  ConnectionLifecycle::Options options = Options();
  options.reconnect = false;
  options.log_transitions = false;
  ConnectionLifecycle lifecycle(options, log_);
  EXPECT_FALSE(lifecycle.Failed("connection refused", Failure::kBroken));
  EXPECT_EQ(sink_.Count("\"store reconnecting\""), 0);
  EXPECT_EQ(sink_.Count("\"level\":\"debug\",\"msg\":\"store connection "
                        "failed\""),
            1);
}

TEST_F(ConnectionLifecycleTest,
       ACallSentBeforeAFailureIsAmbiguousNeverRetried) {
  ConnectionLifecycle lifecycle(Options(), log_);
  Status sent = lifecycle.Sent("connection reset", Failure::kBroken, true);
  EXPECT_EQ(sent.code(), StatusCode::kAmbiguous);
  EXPECT_EQ(sent.message(),
            "redis at 127.0.0.1:6379: the connection was dropped (connection "
            "reset) after the command was sent; it may or may not have been "
            "applied");
  EXPECT_EQ(
      lifecycle.Sent("no answer", Failure::kOperationTimeout, true).code(),
      StatusCode::kTimeout);
  EXPECT_EQ(
      lifecycle.Sent("no answer", Failure::kOperationTimeout, false).code(),
      StatusCode::kAmbiguous);
}

TEST_F(ConnectionLifecycleTest, ACallNotSentIsUnavailableOrTimedOut) {
  ConnectionLifecycle lifecycle(Options(), log_);
  Status not_sent = lifecycle.NotSent("connection refused", Failure::kBroken);
  EXPECT_EQ(not_sent.code(), StatusCode::kUnavailable);
  EXPECT_EQ(not_sent.message(),
            "redis at 127.0.0.1:6379 unavailable: connection refused");
  EXPECT_EQ(
      lifecycle.NotSent("no connection within 1000ms", Failure::kConnectTimeout)
          .code(),
      StatusCode::kTimeout);
  EXPECT_EQ(lifecycle.NotSent("no answer", Failure::kOperationTimeout).code(),
            StatusCode::kUnavailable);
}

TEST_F(ConnectionLifecycleTest, DownSaysTheLastErrorOrClosed) {
  ConnectionLifecycle lifecycle(Options(), log_);
  EXPECT_EQ(lifecycle.Down().message(),
            "redis at 127.0.0.1:6379 unavailable: not connected");
  lifecycle.Failed("connection refused", Failure::kBroken);
  EXPECT_EQ(lifecycle.Down().message(),
            "redis at 127.0.0.1:6379 unavailable: connection refused");
  lifecycle.Closed();
  EXPECT_EQ(lifecycle.Down().message(), "redis: closed");
  EXPECT_FALSE(lifecycle.ready());
}

TEST_F(ConnectionLifecycleTest, AReconnectionIsCountedInItsLoopsSlot) {
  StoreMetrics metrics(3);  // loop 2's slot
  ConnectionLifecycle::Options options = Options();
  options.metrics = &metrics;
  ConnectionLifecycle lifecycle(options, log_);
  Connect(lifecycle);
  lifecycle.Failed("reset", Failure::kBroken);
  Connect(lifecycle);
  EXPECT_EQ(metrics.Read().reconnects, 1u);
}

TEST(HostAndPort, BracketsAnIpv6Host) {
  EXPECT_EQ(HostAndPort("db", 5432), "db:5432");
  EXPECT_EQ(HostAndPort("::1", 6379), "[::1]:6379");
}

}  // namespace
}  // namespace twelve::backing
