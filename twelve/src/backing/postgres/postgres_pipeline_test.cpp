#include "backing/postgres/postgres_pipeline.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace twelve::backing {
namespace {

constexpr const char* kUpsert =
    "INSERT INTO counters VALUES ($1, $2) RETURNING value";

// One frontend message the pipeline wrote.
struct Sent {
  char type;
  std::string body;
};

std::vector<Sent> Split(std::string_view out) {
  std::vector<Sent> messages;
  while (out.size() >= 5) {
    std::uint32_t length = 0;
    for (int i = 1; i <= 4; ++i) {
      length = (length << 8) | static_cast<unsigned char>(out[i]);
    }
    messages.push_back({out[0], std::string(out.substr(5, length - 4))});
    out.remove_prefix(1 + length);
  }
  return messages;
}

// The statement name a Parse or Bind names: a Parse's first string, a
// Bind's second (after the portal's).
std::string NameIn(const Sent& message) {
  std::string_view body = message.body;
  if (message.type == 'B') body.remove_prefix(body.find('\0') + 1);
  return std::string(body.substr(0, body.find('\0')));
}

class PostgresPipelineTest : public ::testing::Test {
 protected:
  // Submits `sql` and returns what the pipeline sent for it.
  std::vector<Sent> Send(const std::string& sql,
                         std::vector<std::int32_t> types = {20}) {
    PostgresPipeline::Call call;
    call.query.sql = sql;
    call.query.param_types = types;
    call.query.params.assign(types.size(), std::string("1"));
    call.done = [this](Result<PostgresResult> result) {
      results_.push_back(std::move(result));
    };
    pipeline_.Hold(std::move(call));
    std::string out;
    pipeline_.SendHeld(out);
    return Split(out);
  }
  // The server's answer to the oldest call: each message type in `types`
  // ('E' an error of `sqlstate`), then ReadyForQuery.
  void Answer(std::string_view types, const std::string& sqlstate = "") {
    for (char type : types) {
      std::string body;
      if (type == 'E') {
        body = std::string("SERROR\0VERROR\0C", 15) + sqlstate +
               std::string("\0Mfailed\0\0", 10);
      } else if (type == 'C') {
        body = std::string("INSERT 0 1\0", 11);
      }
      ASSERT_TRUE(pipeline_.Take({type, body}).broken.ok());
    }
    PostgresPipeline::Step step = pipeline_.Take({'Z', "I"});
    ASSERT_TRUE(step.broken.ok());
    ASSERT_TRUE(step.answered.has_value());
    step.answered->done(std::move(*step.answered).Outcome());
  }
  static int Count(const std::vector<Sent>& messages, char type) {
    int n = 0;
    for (const Sent& message : messages) n += message.type == type;
    return n;
  }
  static const Sent& First(const std::vector<Sent>& messages, char type) {
    for (const Sent& message : messages) {
      if (message.type == type) return message;
    }
    ADD_FAILURE() << "no message '" << type << "'";
    return messages.front();
  }

  PostgresPipeline pipeline_{std::chrono::seconds(10)};
  std::vector<Result<PostgresResult>> results_;
};

TEST_F(PostgresPipelineTest, SecondRunOfTheSameSqlSendsNoParse) {
  std::vector<Sent> first = Send(kUpsert);
  ASSERT_EQ(Count(first, 'P'), 1);
  EXPECT_EQ(NameIn(First(first, 'P')), "twelve_1");
  EXPECT_EQ(NameIn(First(first, 'B')), "twelve_1");
  Answer("12C");
  std::vector<Sent> second = Send(kUpsert);
  EXPECT_EQ(Count(second, 'P'), 0);
  EXPECT_EQ(NameIn(First(second, 'B')), "twelve_1");
  Answer("2C");
  EXPECT_EQ(results_.size(), 2u);
}

TEST_F(PostgresPipelineTest, CallsWhileTheFirstParseIsUnansweredRunUnnamed) {
  Send(kUpsert);
  std::vector<Sent> second = Send(kUpsert);
  ASSERT_EQ(Count(second, 'P'), 1);
  EXPECT_EQ(NameIn(First(second, 'P')), "");
  EXPECT_EQ(NameIn(First(second, 'B')), "");
  Answer("12C");
  Answer("12C");
  EXPECT_EQ(Count(Send(kUpsert), 'P'), 0);
}

TEST_F(PostgresPipelineTest, FailedParseLeavesTheStatementUnprepared) {
  Send("SELEC oops");
  Answer("E", "42601");
  ASSERT_EQ(results_.size(), 1u);
  ASSERT_TRUE(results_[0].ok());
  ASSERT_TRUE(results_[0]->error.has_value());  // the call gets the error
  EXPECT_EQ(results_[0]->error->sqlstate, "42601");
  std::vector<Sent> again = Send("SELEC oops");
  ASSERT_EQ(Count(again, 'P'), 1);
  EXPECT_EQ(NameIn(First(again, 'P')), "twelve_1");
}

TEST_F(PostgresPipelineTest, DifferentParameterTypesAreDifferentStatements) {
  Send("SELECT $1", {20});
  Answer("12C");
  std::vector<Sent> text = Send("SELECT $1", {0});
  ASSERT_EQ(Count(text, 'P'), 1);
  EXPECT_EQ(NameIn(First(text, 'P')), "twelve_2");
  Answer("12C");
  EXPECT_EQ(pipeline_.cached_statements(), 2u);
}

TEST_F(PostgresPipelineTest, InvalidatedPlanFailsOnceThenIsPreparedAnew) {
  Send(kUpsert);
  Answer("12C");
  Send(kUpsert);
  Answer("E", "0A000");  // cached plan must not change result type
  ASSERT_EQ(results_.size(), 2u);
  ASSERT_TRUE(results_[1]->error.has_value());
  EXPECT_EQ(results_[1]->error->sqlstate, "0A000");
  std::vector<Sent> next = Send(kUpsert);
  ASSERT_EQ(Count(next, 'C'), 1);  // the old name, closed first
  EXPECT_EQ(First(next, 'C').body, std::string("Stwelve_1\0", 10));
  ASSERT_EQ(Count(next, 'P'), 1);
  EXPECT_EQ(NameIn(First(next, 'P')), "twelve_2");
  Answer("312C");
  EXPECT_EQ(Count(Send(kUpsert), 'P'), 0);
}

TEST_F(PostgresPipelineTest, OtherErrorsKeepThePreparedStatement) {
  Send(kUpsert);
  Answer("12C");
  Send(kUpsert);
  Answer("E", "23505");  // unique_violation: the data, not the statement
  std::vector<Sent> next = Send(kUpsert);
  EXPECT_EQ(Count(next, 'P'), 0);
  EXPECT_EQ(Count(next, 'C'), 0);
}

TEST_F(PostgresPipelineTest, ResetPreparesEveryStatementAgain) {
  Send(kUpsert);
  Answer("12C");
  pipeline_.Reset();
  EXPECT_EQ(pipeline_.cached_statements(), 0u);
  EXPECT_EQ(Count(Send(kUpsert), 'P'), 1);
}

TEST_F(PostgresPipelineTest, TransactionsAndScriptsRunUnnamed) {
  PostgresPipeline::Call transaction;
  transaction.query.sql = "INSERT INTO a VALUES (1)";
  transaction.query.then.push_back({});
  transaction.query.then.back().sql = "INSERT INTO b VALUES (2)";
  pipeline_.Hold(std::move(transaction));
  PostgresPipeline::Call script;
  script.query = PostgresQuery::Script("SELECT 1; SELECT 2");
  pipeline_.Hold(std::move(script));
  std::string out;
  pipeline_.SendHeld(out);
  for (const Sent& message : Split(out)) {
    if (message.type == 'P' || message.type == 'B') {
      EXPECT_EQ(NameIn(message), "") << message.type;
    }
  }
  EXPECT_EQ(pipeline_.cached_statements(), 0u);
}

TEST_F(PostgresPipelineTest, PastTheBoundStatementsRunUnnamed) {
  for (std::size_t i = 0; i < PostgresStatementCache::kMaxStatements; ++i) {
    Send("SELECT " + std::to_string(i) + " + $1");
    Answer("12C");
  }
  std::vector<Sent> past = Send("SELECT 'past', $1");
  ASSERT_EQ(Count(past, 'P'), 1);
  EXPECT_EQ(NameIn(First(past, 'P')), "");
  EXPECT_EQ(pipeline_.cached_statements(),
            PostgresStatementCache::kMaxStatements);
}

}  // namespace
}  // namespace twelve::backing
