#include "http/poller.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

namespace twelve::http {
namespace {

using namespace std::chrono_literals;

// Records what it hears; reads everything on EPOLLIN, as an edge-triggered
// watcher must.
class RecordingWatcher final : public Poller::Watcher {
 public:
  explicit RecordingWatcher(int fd) : fd_(fd) {}
  void OnReady(std::uint32_t events) override {
    heard.push_back(events);
    if (events & EPOLLIN) {
      char buffer[256];
      ssize_t n;
      while ((n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) {
        bytes_read += static_cast<std::size_t>(n);
      }
    }
  }
  std::vector<std::uint32_t> heard;
  std::size_t bytes_read = 0;

 private:
  int fd_;
};

class PollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    ASSERT_TRUE(poller_.Open().ok());
    poller_.Start();
  }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  // Runs the loop for a moment: long enough for loopback readiness.
  void Turn() {
    io_.restart();
    io_.run_for(50ms);
  }
  void Send(const char* text) {
    ASSERT_GT(::send(fds_[1], text, std::strlen(text), MSG_NOSIGNAL), 0);
  }
  // Watches our end of the pair and lets its first event pass (a fresh
  // socket is writable), so that a test hears only what it causes.
  RecordingWatcher& WatchOurEnd() {
    watcher_.emplace(fds_[0]);
    EXPECT_TRUE(poller_.Watch(fds_[0], &*watcher_).ok());
    Turn();
    watcher_->heard.clear();
    return *watcher_;
  }

  boost::asio::io_context io_;
  Poller poller_{io_};
  int fds_[2] = {-1, -1};
  std::optional<RecordingWatcher> watcher_;
};

TEST_F(PollerTest, ReportsDataToTheWatcherOfItsDescriptor) {
  RecordingWatcher& watcher = WatchOurEnd();
  Send("hello");
  Turn();
  ASSERT_EQ(watcher.heard.size(), 1u);
  EXPECT_TRUE(watcher.heard[0] & EPOLLIN);
  EXPECT_EQ(watcher.bytes_read, 5u);
}

TEST_F(PollerTest, IsEdgeTriggeredAndKeepsTheRegistration) {
  RecordingWatcher& watcher = WatchOurEnd();
  Turn();  // nothing changed: nothing heard
  EXPECT_TRUE(watcher.heard.empty());
  for (const char* text : {"a", "bc", "def"}) {
    Send(text);
    Turn();
  }
  // Every arrival is heard with no re-registration in between.
  EXPECT_EQ(watcher.heard.size(), 3u);
  EXPECT_EQ(watcher.bytes_read, 6u);
}

TEST_F(PollerTest, ReportsHangUp) {
  RecordingWatcher& watcher = WatchOurEnd();
  ::shutdown(fds_[1], SHUT_WR);
  Turn();
  ASSERT_EQ(watcher.heard.size(), 1u);
  EXPECT_TRUE(watcher.heard[0] & EPOLLRDHUP);
}

TEST_F(PollerTest, AForgottenDescriptorIsNotReported) {
  RecordingWatcher& watcher = WatchOurEnd();
  poller_.Forget(fds_[0]);
  Send("late");
  Turn();
  EXPECT_TRUE(watcher.heard.empty());
}

TEST_F(PollerTest, ReportsManyDescriptorsInOneTurn) {
  // More ready sockets than one epoll_wait batch takes: all are heard.
  constexpr int kPairs = 300;
  std::vector<std::array<int, 2>> pairs(kPairs);
  std::vector<std::unique_ptr<RecordingWatcher>> watchers;
  for (auto& pair : pairs) {
    ASSERT_EQ(
        ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair.data()), 0);
    watchers.push_back(std::make_unique<RecordingWatcher>(pair[0]));
    ASSERT_TRUE(poller_.Watch(pair[0], watchers.back().get()).ok());
    ASSERT_EQ(::send(pair[1], "x", 1, MSG_NOSIGNAL), 1);
  }
  Turn();
  for (const auto& watcher : watchers) EXPECT_EQ(watcher->bytes_read, 1u);
  for (auto& pair : pairs) {
    ::close(pair[0]);
    ::close(pair[1]);
  }
}

TEST_F(PollerTest, RefusesADescriptorItCannotWatch) {
  RecordingWatcher watcher(-1);
  Status watched = poller_.Watch(-1, &watcher);
  EXPECT_EQ(watched.code(), StatusCode::kUnavailable);
  EXPECT_NE(watched.message().find("epoll_ctl"), std::string::npos);
}

// DispatchReady reports what is ready at the call, from a handler of the
// loop, before the loop's own wait would: the data is read by then.
TEST_F(PollerTest, DispatchReadyReportsWhatIsReadyAtTheCall) {
  RecordingWatcher& watcher = WatchOurEnd();
  Send("ready");
  std::size_t read_at_call = 0;
  boost::asio::post(io_, [&] {
    poller_.DispatchReady();
    read_at_call = watcher.bytes_read;
  });
  Turn();
  EXPECT_EQ(read_at_call, 5u);
  EXPECT_EQ(watcher.heard.size(), 1u);  // reported once, not again by Wait
}

TEST_F(PollerTest, DispatchReadyWithNothingReadyReportsNothing) {
  RecordingWatcher& watcher = WatchOurEnd();
  boost::asio::post(io_, [&] { poller_.DispatchReady(); });
  Turn();
  EXPECT_TRUE(watcher.heard.empty());
}

TEST_F(PollerTest, DispatchReadyAfterStopReportsNothing) {
  RecordingWatcher& watcher = WatchOurEnd();
  poller_.Stop();
  Send("after stop");
  boost::asio::post(io_, [&] { poller_.DispatchReady(); });
  Turn();
  EXPECT_TRUE(watcher.heard.empty());
}

TEST_F(PollerTest, StopEndsTheWait) {
  RecordingWatcher& watcher = WatchOurEnd();
  poller_.Stop();
  Send("after stop");
  Turn();
  EXPECT_TRUE(watcher.heard.empty());
}

}  // namespace
}  // namespace twelve::http
