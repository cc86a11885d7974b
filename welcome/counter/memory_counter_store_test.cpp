#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>

#include "counter/counter_store.hpp"

namespace welcome {
namespace {

using twelve::Migration;
using twelve::Result;
using twelve::Status;
using twelve::StatusCode;

// Callbacks run inside the call, so each helper returns what it reported.
std::optional<Result<std::int64_t>> AddNow(CounterStore& store,
                                           std::int64_t delta) {
  std::optional<Result<std::int64_t>> out;
  store.Add("visits", delta, [&](const Result<std::int64_t>& r) { out = r; });
  return out;
}

std::optional<Result<std::int64_t>> GetNow(CounterStore& store) {
  std::optional<Result<std::int64_t>> out;
  store.Get("visits", [&](const Result<std::int64_t>& r) { out = r; });
  return out;
}

TEST(MemoryCounterStore, AddReportsTheValueAfterTheAdd) {
  auto store = NewMemoryCounterStore();
  ASSERT_TRUE(AddNow(*store, 1).has_value());
  EXPECT_EQ(AddNow(*store, 1)->value(), 2);
  EXPECT_EQ(AddNow(*store, 5)->value(), 7);
}

TEST(MemoryCounterStore, GetOfAnAbsentCounterIsZero) {
  auto store = NewMemoryCounterStore();
  auto value = GetNow(*store);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->value(), 0);
}

TEST(MemoryCounterStore, SetReplacesTheValue) {
  auto store = NewMemoryCounterStore();
  AddNow(*store, 41);
  std::optional<Status> status;
  store->Set("visits", 0, [&](const Status& s) { status = s; });
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->ok());
  EXPECT_EQ(GetNow(*store)->value(), 0);
  EXPECT_EQ(AddNow(*store, 1)->value(), 1);
}

TEST(MemoryCounterStore, CountersAreKeptApartByName) {
  auto store = NewMemoryCounterStore();
  AddNow(*store, 3);
  std::optional<Result<std::int64_t>> other;
  store->Add("other", 1, [&](const Result<std::int64_t>& r) { other = r; });
  EXPECT_EQ(other->value(), 1);
  EXPECT_EQ(GetNow(*store)->value(), 3);
}

TEST(MemoryCounterStore, OverflowFailsAndLeavesTheCounter) {
  auto store = NewMemoryCounterStore();
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  store->Set("visits", max, [](const Status&) {});
  auto result = AddNow(*store, 1);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), StatusCode::kInternal);
  EXPECT_EQ(GetNow(*store)->value(), max);
}

TEST(MemoryCounterStore, CallbackMayCallTheStoreAgain) {
  auto store = NewMemoryCounterStore();
  std::optional<Result<std::int64_t>> inner;
  store->Add("visits", 1, [&](const Result<std::int64_t>&) {
    store->Get("visits", [&](const Result<std::int64_t>& r) { inner = r; });
  });
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->value(), 1);
}

TEST(MemoryCounterStore, MigrateSucceedsWithNothingToDo) {
  auto store = NewMemoryCounterStore();
  std::optional<Status> status;
  store->Migrate({{1, "create_counters", "CREATE TABLE x (y INT)"}},
                 [&](const Status& s) { status = s; });
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->ok());
}

TEST(MemoryCounterStore, SchemaVersionIsTheLastMigrated) {
  auto store = NewMemoryCounterStore();
  std::optional<Result<std::int64_t>> version;
  store->SchemaVersion([&](Result<std::int64_t> v) { version = v; });
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(version->value(), 0);
  store->Migrate({{2, "b", ""}, {1, "a", ""}}, [](const Status&) {});
  store->SchemaVersion([&](Result<std::int64_t> v) { version = v; });
  EXPECT_EQ(version->value(), 2);
}

TEST(MemoryCounterStore, IsAlwaysReadyAndNamedMemory) {
  auto store = NewMemoryCounterStore();
  EXPECT_TRUE(store->Ready());
  EXPECT_EQ(store->kind(), "memory");
  store->Close();
}

}  // namespace
}  // namespace welcome
