#include "thread_name.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace twelve {
namespace {

// Each case names a thread of its own: the test runner's stays as it was.
std::string NameOnAThread(std::string_view name) {
  std::string seen;
  std::thread thread([&] {
    NameThisThread(name);
    seen = ThisThreadName();
  });
  thread.join();
  return seen;
}

TEST(ThreadName, NamesTheCallingThread) {
  EXPECT_EQ(NameOnAThread("web-0"), "web-0");
}

TEST(ThreadName, KeepsTheFifteenBytesLinuxAllows) {
  EXPECT_EQ(NameOnAThread("a-name-longer-than-fifteen"), "a-name-longer-t");
}

}  // namespace
}  // namespace twelve
