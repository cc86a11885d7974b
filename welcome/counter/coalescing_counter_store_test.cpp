#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "counter/counter_store.hpp"
#include "process/event_loops.hpp"
#include "tests/support/capturing_sink.hpp"

namespace welcome {
namespace {

using twelve::EventLoops;
using twelve::LogFormat;
using twelve::Logger;
using twelve::LogLevel;
using twelve::Migration;
using twelve::Result;
using twelve::Status;
using twelve::StatusCode;
namespace test_support = twelve::test_support;

// The counter's metrics, registered on the loops' app metrics.
CounterMetrics Metrics(EventLoops& loops) {
  Result<CounterMetrics> metrics = RegisterCounterMetrics(loops.app_metrics());
  EXPECT_TRUE(metrics.ok()) << metrics.status().ToString();
  return metrics.ok() ? *metrics : CounterMetrics{};
}

// Counts the Add calls that reach the real store.
class CountingStore final : public CounterStore {
 public:
  explicit CountingStore(int* adds, bool fail = false)
      : inner_(NewMemoryCounterStore()), adds_(adds), fail_(fail) {}
  void Add(std::string_view key, std::int64_t delta,
           ValueCallback done) override {
    ++*adds_;
    if (fail_) {
      done(Status::Ambiguous("connection lost after sending"));
      return;
    }
    inner_->Add(key, delta, std::move(done));
  }
  void Get(std::string_view key, ValueCallback done) override {
    inner_->Get(key, std::move(done));
  }
  void Set(std::string_view key, std::int64_t value,
           StatusCallback done) override {
    inner_->Set(key, value, std::move(done));
  }
  void Migrate(const std::vector<Migration>& m, StatusCallback done) override {
    inner_->Migrate(m, std::move(done));
  }
  void SchemaVersion(ValueCallback done) override {
    inner_->SchemaVersion(std::move(done));
  }
  bool Ready() const override { return true; }
  void Close() override {}
  std::string_view kind() const override { return "counting"; }

 private:
  std::unique_ptr<CounterStore> inner_;
  int* adds_;
  bool fail_;
};

// Holds every Add until the test answers it, and counts how many are in
// flight at once: a store round trip the test controls.
class HeldStore final : public CounterStore {
 public:
  void Add(std::string_view, std::int64_t delta, ValueCallback done) override {
    held_.push_back({delta, std::move(done)});
    max_in_flight_ = std::max(max_in_flight_, held_.size());
  }
  void Get(std::string_view, ValueCallback done) override { done(total_); }
  void Set(std::string_view, std::int64_t, StatusCallback done) override {
    done(Status::Ok());
  }
  void Migrate(const std::vector<Migration>&, StatusCallback done) override {
    done(Status::Ok());
  }
  void SchemaVersion(ValueCallback done) override { done(std::int64_t{0}); }
  bool Ready() const override { return true; }
  void Close() override { held_.clear(); }  // drops, as stores do
  std::string_view kind() const override { return "held"; }

  // Answers the oldest Add held.
  void AnswerOldest() {
    Held call = std::move(held_.front());
    held_.erase(held_.begin());
    total_ += call.delta;
    call.done(total_);
  }
  std::vector<std::int64_t> HeldDeltas() const {
    std::vector<std::int64_t> deltas;
    for (const Held& call : held_) deltas.push_back(call.delta);
    return deltas;
  }
  std::size_t max_in_flight() const { return max_in_flight_; }

 private:
  struct Held {
    std::int64_t delta;
    ValueCallback done;
  };
  std::vector<Held> held_;
  std::size_t max_in_flight_ = 0;
  std::int64_t total_ = 0;
};

struct Outcome {
  std::vector<std::int64_t> values;
  std::vector<Status> failures;
};

// Issues `visits` increments in one turn of a loop, then runs the loop dry.
Outcome VisitInOneTurn(CounterStore& store, boost::asio::io_context& io,
                       int visits) {
  Outcome outcome;
  boost::asio::post(io, [&] {
    for (int i = 0; i < visits; ++i) {
      store.Add("visitorCount", 1, [&](Result<std::int64_t> value) {
        if (value.ok()) {
          outcome.values.push_back(*value);
        } else {
          outcome.failures.push_back(value.status());
        }
      });
    }
  });
  io.run();
  io.restart();
  return outcome;
}

// The coalescing store on a store double, on two loops run by hand (most
// tests use the first), with its log captured.
class CoalescingCounterStoreTest : public ::testing::Test {
 protected:
  // The coalescing store on `inner`, its metrics registered on the loops.
  CounterStore& Coalesce(std::unique_ptr<CounterStore> inner) {
    metrics_ = Metrics(loops_);
    store_ =
        NewCoalescingCounterStore(std::move(inner), loops_, log_, metrics_);
    return *store_;
  }
  // A HeldStore under the coalescing store: the test answers its calls.
  HeldStore& CoalesceHeld() {
    auto held = std::make_unique<HeldStore>();
    HeldStore& store_double = *held;
    Coalesce(std::move(held));
    return store_double;
  }
  // Runs what was posted to the first loop, and what that posted, until
  // nothing is left.
  void RunFirstLoop() {
    first_.run();
    first_.restart();
  }
  // `visits` visits to the counter in one turn of the first loop, each
  // value kept in `values_`.
  void Visit(int visits) {
    boost::asio::post(first_, [this, visits] {
      for (int i = 0; i < visits; ++i) store_->Add("visitorCount", 1, Record());
    });
    RunFirstLoop();
  }
  CounterStore::ValueCallback Record() {
    return [this](Result<std::int64_t> v) { values_.push_back(*v); };
  }

  boost::asio::io_context first_;
  boost::asio::io_context second_;
  EventLoops loops_{{&first_, &second_}};
  test_support::CapturingSink sink_;
  const Logger log_{sink_, LogLevel::kInfo, LogFormat::kJson};
  CounterMetrics metrics_;
  std::unique_ptr<CounterStore> store_;
  std::vector<std::int64_t> values_;
  int adds_ = 0;  // the Add calls that reach a CountingStore
};

TEST_F(CoalescingCounterStoreTest, OneTurnBecomesOneStoreCall) {
  Coalesce(std::make_unique<CountingStore>(&adds_));
  Outcome outcome = VisitInOneTurn(*store_, first_, 100);
  EXPECT_EQ(adds_, 1);
  ASSERT_EQ(outcome.values.size(), 100u);
}

TEST_F(CoalescingCounterStoreTest,
       EveryCallerGetsADistinctNumberAndTotalIsExact) {
  Coalesce(std::make_unique<CountingStore>(&adds_));
  std::set<std::int64_t> seen;
  for (int turn = 0; turn < 5; ++turn) {
    for (std::int64_t value : VisitInOneTurn(*store_, first_, 7).values) {
      EXPECT_TRUE(seen.insert(value).second) << "duplicate " << value;
    }
  }
  EXPECT_EQ(seen.size(), 35u);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), 35);
  EXPECT_EQ(adds_, 5);
}

TEST_F(CoalescingCounterStoreTest, FailureFailsEveryCallerOfTheBatch) {
  Coalesce(std::make_unique<CountingStore>(&adds_, /*fail=*/true));
  Outcome outcome = VisitInOneTurn(*store_, first_, 3);
  EXPECT_TRUE(outcome.values.empty());
  ASSERT_EQ(outcome.failures.size(), 3u);
  EXPECT_EQ(outcome.failures[0].code(), StatusCode::kAmbiguous);
}

// Group commit: while a batch is in flight, every visit waits for its
// reply and goes out in the next batch, which leaves on the loop's next
// turn.
TEST_F(CoalescingCounterStoreTest, VisitsDuringARoundTripGoInTheNextBatch) {
  HeldStore& store_double = CoalesceHeld();
  Visit(3);
  EXPECT_EQ(store_double.HeldDeltas(), (std::vector<std::int64_t>{3}));
  Visit(5);  // the first batch is still in flight: these wait
  Visit(2);
  EXPECT_EQ(store_double.HeldDeltas(), (std::vector<std::int64_t>{3}));

  store_double.AnswerOldest();  // the reply sends the waiting 7
  RunFirstLoop();
  EXPECT_EQ(store_double.HeldDeltas(), (std::vector<std::int64_t>{7}));
  store_double.AnswerOldest();
  RunFirstLoop();
  EXPECT_TRUE(store_double.HeldDeltas().empty());

  EXPECT_EQ(store_double.max_in_flight(), 1u);
  EXPECT_EQ(values_,
            (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

// The requests already waiting on the loop's sockets when a reply comes
// (their handlers run when the loop takes in its ready I/O) go in the batch
// that the reply sends, not in the one after it.
TEST_F(CoalescingCounterStoreTest,
       VisitsReadyOnTheSocketsAtTheReplyJoinTheNextBatch) {
  HeldStore& store_double = CoalesceHeld();
  int ready_on_sockets = 0;  // visits the next take-in of ready I/O brings
  loops_.SetReadyIo(0, [&] {
    for (; ready_on_sockets > 0; --ready_on_sockets) {
      store_->Add("visitorCount", 1, Record());
    }
  });

  Visit(1);
  EXPECT_EQ(store_double.HeldDeltas(), (std::vector<std::int64_t>{1}));
  Visit(2);  // read during the round trip

  ready_on_sockets = 3;  // arrived while the reply was on its way
  boost::asio::post(first_, [&] { store_double.AnswerOldest(); });
  RunFirstLoop();
  EXPECT_EQ(store_double.HeldDeltas(), (std::vector<std::int64_t>{5}));
  store_double.AnswerOldest();
  RunFirstLoop();
  EXPECT_EQ(values_, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(store_double.max_in_flight(), 1u);
}

// A waiter that visits other keys while its batch's reply is delivered
// makes new batches (the per-loop list grows and moves): the waiters still
// being answered must not move with it.
TEST_F(CoalescingCounterStoreTest, AWaiterMayVisitOtherKeysDuringTheReply) {
  HeldStore& store_double = CoalesceHeld();
  int others = 0;
  boost::asio::post(first_, [&] {
    for (int i = 0; i < 3; ++i) {
      store_->Add("visitorCount", 1, [&](Result<std::int64_t> v) {
        values_.push_back(*v);
        for (int key = 0; key < 8; ++key) {
          store_->Add("other" + std::to_string(key), 1,
                      [&](Result<std::int64_t> w) { others += w.ok(); });
        }
      });
    }
  });
  RunFirstLoop();
  // On the loop, as stores answer: the three run and visit 8 keys each.
  boost::asio::post(first_, [&] { store_double.AnswerOldest(); });
  RunFirstLoop();
  EXPECT_EQ(store_double.HeldDeltas(), std::vector<std::int64_t>(8, 3));
  while (!store_double.HeldDeltas().empty()) store_double.AnswerOldest();
  EXPECT_EQ(values_, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(others, 24);
}

// Closing drops the callbacks the store still holds; the visits of the
// batch in flight are dropped with them, not kept by the coalescing layer.
TEST_F(CoalescingCounterStoreTest, CloseDropsTheWaitersOfTheBatchInFlight) {
  CoalesceHeld();
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  boost::asio::post(first_, [&, token] {
    store_->Add("visitorCount", 1, [token](Result<std::int64_t>) {});
  });
  RunFirstLoop();
  token.reset();
  EXPECT_FALSE(watch.expired());  // held by the batch in flight
  store_->Close();
  EXPECT_TRUE(watch.expired());
}

TEST_F(CoalescingCounterStoreTest, AFailedBatchStillSendsTheNextOne) {
  Coalesce(std::make_unique<CountingStore>(&adds_, /*fail=*/true));
  EXPECT_EQ(VisitInOneTurn(*store_, first_, 2).failures.size(), 2u);
  EXPECT_EQ(VisitInOneTurn(*store_, first_, 4).failures.size(), 4u);
  EXPECT_EQ(adds_, 2);
}

TEST_F(CoalescingCounterStoreTest, OtherDeltasPassThrough) {
  Coalesce(std::make_unique<CountingStore>(&adds_));
  std::int64_t answer = 0;
  store_->Add("k", 5, [&](Result<std::int64_t> value) { answer = *value; });
  EXPECT_EQ(answer, 5);
  EXPECT_EQ(adds_, 1);
}

// The bench reads visits per round trip for SQLite (no server to ask) from
// this event; issue 14 will serve the same counters as metrics.
TEST_F(CoalescingCounterStoreTest, LogsVisitsAndBatchesOnceWhenClosed) {
  Coalesce(std::make_unique<CountingStore>(&adds_));
  VisitInOneTurn(*store_, first_, 7);
  VisitInOneTurn(*store_, first_, 1);
  VisitInOneTurn(*store_, first_, 4);
  store_->Add("k", 5, [](Result<std::int64_t>) {});  // not a visit
  EXPECT_EQ(sink_.Count("counter store totals"), 0);

  store_->Close();
  store_->Close();
  std::vector<std::string> lines = sink_.Lines("counter store totals");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("store":"counting","visits":12,"batches":3)"),
            std::string::npos)
      << lines[0];
}

TEST_F(CoalescingCounterStoreTest, CountsTheBatchesOfEveryLoop) {
  Coalesce(std::make_unique<CountingStore>(&adds_));
  VisitInOneTurn(*store_, first_, 3);
  VisitInOneTurn(*store_, second_, 5);
  VisitInOneTurn(*store_, second_, 2);
  store_->Close();
  EXPECT_EQ(adds_, 3);
  EXPECT_EQ(sink_.Count(R"("visits":10,"batches":3)"), 1) << sink_.All();
}

// /metrics shows them as welcome_visits_total, welcome_batches_total and
// welcome_batch_size; a call that is not a visit counts in none of them.
TEST_F(CoalescingCounterStoreTest, CountsVisitsBatchesAndSizesOnTheAppMetrics) {
  Coalesce(std::make_unique<CountingStore>(&adds_));
  VisitInOneTurn(*store_, first_, 3);
  VisitInOneTurn(*store_, second_, 5);
  store_->Add("k", 5, [](Result<std::int64_t>) {});
  EXPECT_EQ(metrics_.visits->Total(), 8u);
  EXPECT_EQ(metrics_.batches->Total(), 2u);
  twelve::metrics::AppHistogramTotals sizes = metrics_.batch_sizes->Read();
  EXPECT_EQ(sizes.count, 2u);
  EXPECT_EQ(sizes.sum, 8u);
  EXPECT_EQ(sizes.buckets[2], 1u);  // 3: (2, 4]
  EXPECT_EQ(sizes.buckets[3], 1u);  // 5: (4, 8]
  const auto& app = loops_.app_metrics();
  ASSERT_EQ(app.counters().size(), 2u);
  EXPECT_EQ(app.counters()[0]->name(), "visits_total");
  EXPECT_EQ(app.counters()[1]->name(), "batches_total");
  ASSERT_EQ(app.histograms().size(), 1u);
  EXPECT_EQ(app.histograms()[0]->name(), "batch_size");
}

TEST_F(CoalescingCounterStoreTest, RegisteringTheMetricsTwiceIsRefused) {
  ASSERT_TRUE(RegisterCounterMetrics(loops_.app_metrics()).ok());
  EXPECT_EQ(RegisterCounterMetrics(loops_.app_metrics()).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace welcome
