#include "http/reuse_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace twelve::http {
namespace {

std::vector<int> Drain(ReuseQueue<int>& queue) {
  std::vector<int> out;
  while (!queue.empty()) {
    out.push_back(queue.front());
    queue.PopFront();
  }
  return out;
}

TEST(ReuseQueue, KeepsOrderAcrossWrapAndGrowth) {
  ReuseQueue<int> queue;
  for (int i = 0; i < 3; ++i) queue.PushBack() = i;
  queue.PopFront();
  queue.PopFront();                                  // head inside the storage
  for (int i = 3; i < 8; ++i) queue.PushBack() = i;  // wraps, then grows
  EXPECT_EQ(queue.size(), 6u);
  EXPECT_EQ(queue.back(), 7);
  EXPECT_EQ(queue[1], 3);
  EXPECT_EQ(Drain(queue), (std::vector<int>{2, 3, 4, 5, 6, 7}));
}

TEST(ReuseQueue, ReusesPoppedElementsWithoutGrowing) {
  ReuseQueue<std::string> queue;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 4; ++i) {
      queue.PushBack().assign(40, static_cast<char>('a' + i));
    }
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(queue.front(), std::string(40, static_cast<char>('a' + i)));
      queue.PopFront();
    }
  }
  EXPECT_EQ(queue.capacity(), 4u);
}

TEST(ReuseQueue, ReusedElementKeepsItsStringCapacity) {
  ReuseQueue<std::string> queue;
  queue.PushBack().assign(100, 'x');
  const char* storage = queue.front().data();
  queue.PopFront();
  std::string& again = queue.PushBack();
  again.assign(50, 'y');
  EXPECT_EQ(again.data(), storage);  // the same buffer: no allocation
}

TEST(ReuseQueue, ClearReleasesTheStorage) {
  ReuseQueue<std::string> queue;
  queue.PushBack() = "a";
  queue.PushBack() = "b";
  queue.Clear();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.capacity(), 0u);
  queue.PushBack() = "c";
  EXPECT_EQ(queue.front(), "c");
}

}  // namespace
}  // namespace twelve::http
