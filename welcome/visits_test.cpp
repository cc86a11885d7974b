#include "visits.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <set>

namespace welcome {
namespace {

std::int64_t RecordOne(Visits& visits) {
  std::int64_t number = -1;
  visits.Record([&](twelve::Result<std::int64_t> count) { number = *count; });
  return number;
}

TEST(Visits, EveryVisitGetsTheNextNumber) {
  auto store = NewMemoryCounterStore();
  Visits visits(*store);
  EXPECT_EQ(RecordOne(visits), 1);
  EXPECT_EQ(RecordOne(visits), 2);
  EXPECT_EQ(RecordOne(visits), 3);
}

TEST(Visits, CountDoesNotCount) {
  auto store = NewMemoryCounterStore();
  Visits visits(*store);
  RecordOne(visits);
  std::int64_t seen = -1;
  visits.Count([&](twelve::Result<std::int64_t> count) { seen = *count; });
  visits.Count([&](twelve::Result<std::int64_t> count) { seen = *count; });
  EXPECT_EQ(seen, 1);
}

TEST(Visits, ResetStartsAgainFromOne) {
  auto store = NewMemoryCounterStore();
  Visits visits(*store);
  RecordOne(visits);
  RecordOne(visits);
  twelve::Status reset = twelve::Status::Internal("not called");
  visits.Reset([&](twelve::Status status) { reset = status; });
  EXPECT_TRUE(reset.ok());
  EXPECT_EQ(RecordOne(visits), 1);
}

TEST(Visits, KeepsTheCourseKey) {
  auto store = NewMemoryCounterStore();
  Visits visits(*store);
  RecordOne(visits);
  std::int64_t raw = -1;
  store->Get("visitorCount", [&](twelve::Result<std::int64_t> v) { raw = *v; });
  EXPECT_EQ(raw, 1);
}

TEST(Visits, GreetsLikeTheCourse) {
  EXPECT_EQ(Visits::Greeting(42), "Welcome to KODEKLOUD! Visitor Count: 42");
}

TEST(Visits, GreetsWithEveryDigitOfTheExtremes) {
  EXPECT_EQ(Visits::Greeting(0), "Welcome to KODEKLOUD! Visitor Count: 0");
  EXPECT_EQ(Visits::Greeting(std::numeric_limits<std::int64_t>::max()),
            "Welcome to KODEKLOUD! Visitor Count: 9223372036854775807");
  EXPECT_EQ(Visits::Greeting(std::numeric_limits<std::int64_t>::min()),
            "Welcome to KODEKLOUD! Visitor Count: -9223372036854775808");
}

}  // namespace
}  // namespace welcome
