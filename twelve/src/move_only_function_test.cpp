#include "twelve/move_only_function.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

namespace twelve {
namespace {

using IntFunction = MoveOnlyFunction<int(int), 32>;

// Counts how many of its kind are alive, so a test can see that every
// stored callable is destroyed exactly once, wherever it was kept.
struct Tracked {
  static inline int alive = 0;
  explicit Tracked(int add) : add(add) { ++alive; }
  Tracked(Tracked&& other) noexcept : add(other.add) { ++alive; }
  Tracked(const Tracked&) = delete;
  ~Tracked() { --alive; }
  int operator()(int x) const { return x + add; }
  int add;
};

// Too large for IntFunction's 32 bytes: kept on the heap.
struct Large : Tracked {
  explicit Large(int add) : Tracked(add) {}
  std::array<char, 64> padding{};
};

// Fits, but a move that may throw cannot be kept inline (a move of the
// storage must not fail halfway).
struct ThrowingMove {
  ThrowingMove() = default;
  ThrowingMove(ThrowingMove&&) noexcept(false) {}
  int operator()(int x) const { return x; }
};

TEST(MoveOnlyFunction, EmptyByDefaultAndFromNull) {
  IntFunction empty;
  EXPECT_FALSE(empty);
  IntFunction null = nullptr;
  EXPECT_FALSE(null);
  int (*no_function)(int) = nullptr;
  IntFunction from_null_pointer = no_function;
  EXPECT_FALSE(from_null_pointer);
}

TEST(MoveOnlyFunction, CallingEmptyThrowsBadFunctionCall) {
  IntFunction empty;
  EXPECT_THROW(empty(1), std::bad_function_call);
}

TEST(MoveOnlyFunction, CallsWhatItHolds) {
  IntFunction twice = [](int x) { return 2 * x; };
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice(21), 42);
  IntFunction pointer = +[](int x) { return x - 1; };
  EXPECT_EQ(pointer(1), 0);
}

TEST(MoveOnlyFunction, OwnsMoveOnlyState) {
  auto owned = std::make_unique<int>(7);
  MoveOnlyFunction<int(), 32> read = [p = std::move(owned)] { return *p; };
  EXPECT_EQ(read(), 7);
}

TEST(MoveOnlyFunction, StoresSmallNothrowMovableCallablesInline) {
  EXPECT_TRUE(IntFunction::StoresInline<Tracked>);
  EXPECT_FALSE(IntFunction::StoresInline<Large>);
  EXPECT_FALSE(IntFunction::StoresInline<ThrowingMove>);
  // The inline size is the caller's: a bigger one keeps Large inline.
  EXPECT_TRUE((MoveOnlyFunction<int(int), 128>::StoresInline<Large>));
}

TEST(MoveOnlyFunction, HeapHeldAndThrowingMoveCallablesStillWork) {
  IntFunction large = Large(5);
  EXPECT_EQ(large(1), 6);
  IntFunction throwing = ThrowingMove();
  EXPECT_EQ(throwing(3), 3);
  IntFunction moved = std::move(throwing);
  EXPECT_EQ(moved(4), 4);
}

TEST(MoveOnlyFunction, MoveLeavesTheSourceEmpty) {
  IntFunction source = Tracked(1);
  IntFunction target = std::move(source);
  EXPECT_FALSE(source);  // NOLINT(bugprone-use-after-move): the contract
  EXPECT_EQ(target(1), 2);
  IntFunction assigned;
  assigned = std::move(target);
  EXPECT_FALSE(target);  // NOLINT(bugprone-use-after-move): the contract
  EXPECT_EQ(assigned(2), 3);
}

TEST(MoveOnlyFunction, DestroysInlineAndHeapTargetsExactlyOnce) {
  Tracked::alive = 0;
  {
    IntFunction small = Tracked(1);
    IntFunction large = Large(2);
    EXPECT_EQ(Tracked::alive, 2);
    IntFunction moved_small = std::move(small);
    IntFunction moved_large = std::move(large);
    EXPECT_EQ(Tracked::alive, 2);
    moved_small = nullptr;
    EXPECT_EQ(Tracked::alive, 1);
    moved_large = Tracked(3);  // the old target goes, the new one stays
    EXPECT_EQ(Tracked::alive, 1);
    EXPECT_EQ(moved_large(1), 4);
  }
  EXPECT_EQ(Tracked::alive, 0);
}

TEST(MoveOnlyFunction, SelfMoveAssignmentKeepsTheTarget) {
  IntFunction f = Tracked(1);
  IntFunction& alias = f;
  f = std::move(alias);
  ASSERT_TRUE(f);
  EXPECT_EQ(f(1), 2);
}

TEST(MoveOnlyFunction, PassesArgumentsByTheirDeclaredKind) {
  MoveOnlyFunction<std::size_t(std::string), 16> take = [](std::string s) {
    return s.size();
  };
  EXPECT_EQ(take(std::string(100, 'x')), 100u);
  std::string target;
  MoveOnlyFunction<void(std::string&), 16> fill = [](std::string& s) {
    s = "filled";
  };
  fill(target);
  EXPECT_EQ(target, "filled");
}

}  // namespace
}  // namespace twelve
