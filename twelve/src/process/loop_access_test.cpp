#include "twelve/process/loop_access.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "process/event_loops.hpp"

namespace twelve {
namespace {

// Two loops run by hand, one io_context each, as a test of what runs where.
class LoopAccessTest : public ::testing::Test {
 protected:
  void RunBoth() {
    for (auto* io : {&first_, &second_}) {
      io->restart();
      io->run();
    }
  }

  boost::asio::io_context first_;
  boost::asio::io_context second_;
  EventLoops loops_{{&first_, &second_}};
  std::vector<std::string> order_;
};

TEST_F(LoopAccessTest, CountsTheLoopsAndKnowsTheCallingOne) {
  EXPECT_EQ(LoopCount(loops_), 2u);
  EXPECT_EQ(CurrentLoop(loops_), -1);  // the test's thread runs no loop
  int seen = -2;
  PostToLoop(loops_, 1, [&] { seen = CurrentLoop(loops_); });
  RunBoth();
  EXPECT_EQ(seen, 1);
}

TEST_F(LoopAccessTest, PostedWorkMayOwnMoveOnlyState) {
  auto owned = std::make_unique<std::string>("moved in");
  PostToLoop(loops_, 0,
             [&, owned = std::move(owned)] { order_.push_back(*owned); });
  RunBoth();
  EXPECT_EQ(order_, (std::vector<std::string>{"moved in"}));
}

// The loop's ready I/O (a web worker's requests waiting on its sockets) is
// taken in before the work, on the work's loop only.
TEST_F(LoopAccessTest, AfterReadyIoTakesInTheLoopsReadyIoFirst) {
  loops_.SetReadyIo(0, [&] { order_.push_back("first loop's io"); });
  loops_.SetReadyIo(1, [&] { order_.push_back("second loop's io"); });
  PostToLoopAfterReadyIo(loops_, 0, [&] { order_.push_back("work"); });
  RunBoth();
  EXPECT_EQ(order_, (std::vector<std::string>{"first loop's io", "work"}));
}

// What the ready I/O starts (a handler that posts more) runs after the
// work, as any work posted meanwhile would.
TEST_F(LoopAccessTest, AfterReadyIoRunsTheWorkBeforeWhatTheIoPosted) {
  loops_.SetReadyIo(0, [&] {
    PostToLoop(loops_, 0, [&] { order_.push_back("posted by the io"); });
  });
  PostToLoopAfterReadyIo(loops_, 0, [&] { order_.push_back("work"); });
  RunBoth();
  EXPECT_EQ(order_, (std::vector<std::string>{"work", "posted by the io"}));
}

TEST_F(LoopAccessTest, AfterReadyIoWithoutReadyIoIsAPost) {
  PostToLoopAfterReadyIo(loops_, 1, [&] {
    order_.push_back("work on " + std::to_string(CurrentLoop(loops_)));
  });
  RunBoth();
  EXPECT_EQ(order_, (std::vector<std::string>{"work on 1"}));
}

}  // namespace
}  // namespace twelve
