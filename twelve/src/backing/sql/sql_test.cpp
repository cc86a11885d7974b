#include "twelve/backing/sql.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/capturing_sink.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/running_loops.hpp"

// sql::Client against a real PostgreSQL (started once for the suite) and a
// real SQLite file, each test run on both: the same calls, the same answers.
namespace twelve::sql {
namespace {

using namespace std::chrono_literals;
using test_support::CapturingSink;
using test_support::PostgresServer;
using test_support::RunningLoops;

constexpr auto kNoAnswer = 30s;

StoreOptions Patient() {
  StoreOptions options;
  options.connect_timeout = 5s;
  options.operation_timeout = 10s;  // sanitizer builds are slow
  options.min_backoff = 20ms;
  options.max_backoff = 200ms;
  return options;
}

class SqlClientTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    server = new PostgresServer();
    ASSERT_TRUE(server->ok()) << server->error();
    ASSERT_TRUE(server->Start());
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "twelve-sql-test-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    if (postgres()) {
      // A database of its own for each test: no test sees another's tables.
      const std::string database = "sql_" + std::to_string(++databases);
      ASSERT_TRUE(server->CreateDatabase(database));
      url_ = server->Url(database);
    } else {
      url_ = "sqlite://" + (dir_ / "test.db").string();
    }
  }
  void TearDown() override {
    if (threads_) threads_->Stop();  // Close() after the loops stopped
    if (client_) client_->Close();
    client_.reset();
    threads_.reset();
    std::filesystem::remove_all(dir_);
  }

  bool postgres() const { return GetParam() == "postgres"; }

  Client& Open(const std::string& url, int loops = 1,
               StoreOptions options = Patient()) {
    threads_ = std::make_unique<RunningLoops>(loops);
    Result<StoreUrl> parsed = ParseStoreUrl(url);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    auto client = sql::Open(*parsed, options, threads_->loops(), log_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    return *client_;
  }
  Client& Open() { return Open(url_); }

  // Runs `start` on loop `loop` and waits for what it reports.
  template <typename T>
  T Await(std::function<void(std::function<void(T)>)> start, int loop = 0) {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    threads_->Post(loop, [start, promise] {
      start([promise](T value) { promise->set_value(std::move(value)); });
    });
    if (future.wait_for(kNoAnswer) != std::future_status::ready) {
      return T(Status::Internal("test: no answer"));
    }
    return future.get();
  }
  Result<ResultSet> Query(std::string sql, std::vector<Param> params = {},
                          int loop = 0) {
    Client* client = client_.get();
    return Await<Result<ResultSet>>(
        [=](auto done) { client->Query(sql, params, std::move(done)); }, loop);
  }
  Result<std::vector<ResultSet>> Transaction(
      std::vector<Statement> statements) {
    Client* client = client_.get();
    return Await<Result<std::vector<ResultSet>>>(
        [=](auto done) { client->Transaction(statements, std::move(done)); });
  }
  Status Migrate(std::vector<Migration> migrations) {
    Client* client = client_.get();
    return Await<Status>(
        [=](auto done) { client->Migrate(migrations, std::move(done)); });
  }
  std::int64_t Count(const std::string& table) {
    Result<ResultSet> rows = Query("SELECT count(*) FROM " + table);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->rows().at(0).Int(0).value_or(-1) : -1;
  }
  void CreateItems() {
    Result<ResultSet> created = Query(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
        "UNIQUE, price DOUBLE PRECISION, note TEXT)");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }

  static inline PostgresServer* server = nullptr;
  static inline int databases = 0;
  std::filesystem::path dir_;
  std::string url_;
  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
  std::unique_ptr<RunningLoops> threads_;
  std::unique_ptr<Client> client_;
};

TEST_P(SqlClientTest, ParametersComeBackTyped) {
  Open();
  Result<ResultSet> rows =
      Query("SELECT $1 AS i, $2 AS d, $3 AS t, $4 AS n, $5 AS b, $6 AS big",
            {-42, 2.5, "héllo", nullptr, true, std::int64_t{1} << 62});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  const Row& row = (*rows)[0];
  EXPECT_EQ(row.Int(0), -42);
  EXPECT_EQ(row.Double(1), 2.5);
  EXPECT_EQ(row.Text(2), "héllo");
  EXPECT_TRUE(row.IsNull(3));
  EXPECT_EQ(row.Bool(4), true);
  EXPECT_EQ(row.Int("big"), std::int64_t{1} << 62);
  EXPECT_EQ(rows->columns(),
            (std::vector<std::string>{"i", "d", "t", "n", "b", "big"}));
}

TEST_P(SqlClientTest, ValuesNeverBecomeSql) {
  Open();
  CreateItems();
  const std::string hostile = "x'); DROP TABLE items; --";
  Result<ResultSet> inserted =
      Query("INSERT INTO items (id, name) VALUES ($1, $2)", {1, hostile});
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  Result<ResultSet> rows = Query("SELECT name FROM items");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ((*rows)[0].Text(0), hostile);
}

TEST_P(SqlClientTest, ReturningAndAffectedRows) {
  Open();
  CreateItems();
  Result<ResultSet> inserted = Query(
      "INSERT INTO items (id, name, price) VALUES ($1, $2, $3), ($4, $5, $6) "
      "RETURNING id, name",
      {1, "tea", 2.5, 2, "cake", 4.0});
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  EXPECT_EQ(inserted->affected(), 2);
  ASSERT_EQ(inserted->size(), 2u);
  EXPECT_EQ((*inserted)[1].Int("id"), 2);
  EXPECT_EQ((*inserted)[1].Text("name"), "cake");

  Result<ResultSet> updated =
      Query("UPDATE items SET price = price * $1", {2.0});
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->affected(), 2);
  EXPECT_TRUE(updated->empty());
  EXPECT_TRUE(updated->columns().empty());

  Result<ResultSet> none = Query("DELETE FROM items WHERE id = $1", {99});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->affected(), 0);
  Result<ResultSet> deleted = Query("DELETE FROM items WHERE id = $1", {1});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->affected(), 1);

  Result<ResultSet> selected = Query("SELECT price FROM items");
  ASSERT_TRUE(selected.ok());
  EXPECT_EQ(selected->affected(), 0);
  EXPECT_EQ((*selected)[0].Double(0), 8.0);
}

TEST_P(SqlClientTest, TransactionAppliesEveryStatement) {
  Open();
  CreateItems();
  Result<std::vector<ResultSet>> results = Transaction({
      {"INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"}},
      {"INSERT INTO items (id, name) VALUES ($1, $2) RETURNING id", {2, "b"}},
      {"SELECT count(*) FROM items", {}},
  });
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].affected(), 1);
  EXPECT_EQ((*results)[1][0].Int(0), 2);
  EXPECT_EQ((*results)[2][0].Int(0), 2);
  EXPECT_EQ(Count("items"), 2);
}

// Callbacks may own move-only state (a promise, a unique_ptr), which a
// copyable std::function could only hold behind a shared_ptr.
TEST_P(SqlClientTest, CallbacksMayOwnMoveOnlyState) {
  Open();
  std::promise<std::string> promise;
  std::future<std::string> future = promise.get_future();
  Client* client = client_.get();
  threads_->Post(0, [client, promise = std::move(promise),
                     note = std::make_unique<std::string>("kept")]() mutable {
    client->Query("SELECT $1", {"one"},
                  [client, promise = std::move(promise),
                   note = std::move(note)](Result<ResultSet> rows) mutable {
                    if (!rows.ok())
                      return promise.set_value(rows.status().ToString());
                    *note +=
                        " " + std::string((*rows)[0].Text(0).value_or("?"));
                    client->Transaction(
                        {{"SELECT $1", {"two"}}},
                        [promise = std::move(promise), note = std::move(note)](
                            Result<std::vector<ResultSet>> sets) mutable {
                          if (!sets.ok())
                            return promise.set_value(sets.status().ToString());
                          promise.set_value(
                              *note + " " +
                              std::string((*sets)[0][0].Text(0).value_or("?")));
                        });
                  });
  });
  ASSERT_EQ(future.wait_for(kNoAnswer), std::future_status::ready);
  EXPECT_EQ(future.get(), "kept one two");
}

TEST_P(SqlClientTest, FailedStatementRollsBackTheTransaction) {
  Open();
  CreateItems();
  ASSERT_TRUE(Query("INSERT INTO items (id, name) VALUES (1, 'taken')").ok());
  Result<std::vector<ResultSet>> results = Transaction({
      {"INSERT INTO items (id, name) VALUES ($1, $2)", {2, "fresh"}},
      {"INSERT INTO items (id, name) VALUES ($1, $2)", {3, "taken"}},
  });
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(results.status().message().find(postgres() ? "23505" : "UNIQUE"),
            std::string::npos)
      << results.status().message();
  EXPECT_EQ(Count("items"), 1);  // "fresh" was rolled back
  // The connection goes on.
  EXPECT_TRUE(Query("SELECT 1").ok());
}

TEST_P(SqlClientTest, SqlErrorCarriesTheDatabaseMessage) {
  Open();
  Result<ResultSet> rows = Query("SELECT * FROM missing_table");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
  const std::string message = rows.status().message();
  EXPECT_NE(message.find(postgres() ? "42P01" : "no such table"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("missing_table"), std::string::npos) << message;
  EXPECT_TRUE(IsMissingTable(rows.status())) << message;
}

TEST_P(SqlClientTest, OnlyAMissingTableIsAMissingTable) {
  Open();
  ASSERT_TRUE(Query("CREATE TABLE present (id BIGINT)").ok());
  Result<ResultSet> missing_column = Query("SELECT nope FROM present");
  ASSERT_FALSE(missing_column.ok());
  EXPECT_FALSE(IsMissingTable(missing_column.status()))
      << missing_column.status().ToString();
  Result<ResultSet> syntax = Query("SELEC 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_FALSE(IsMissingTable(syntax.status())) << syntax.status().ToString();
  // The words alone, in another kind of failure or from elsewhere, are not.
  EXPECT_FALSE(IsMissingTable(Status::Unavailable("sqlite: no such table: x")));
  EXPECT_FALSE(IsMissingTable(Status::InvalidArgument("no such table: x")));
}

TEST_P(SqlClientTest, RefusedCallsLeaveTheConnectionUsable) {
  Open();
  struct Case {
    std::string sql;
    std::vector<Param> params;
    const char* words;
  };
  const std::vector<Case> cases = {
      {"SELECT $1, $2", {1}, "uses $2 but 1 parameters were given"},
      {"SELECT $1", {1, 2}, "2 parameters were given"},
      {"BEGIN", {}, "expected Transaction()"},
      {"SELECT 1; SELECT 2", {}, ""},
      {"", {}, "expected a statement"},
  };
  for (const Case& c : cases) {
    Result<ResultSet> rows = Query(c.sql, c.params);
    ASSERT_FALSE(rows.ok()) << c.sql;
    EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument) << c.sql;
    EXPECT_NE(rows.status().message().find(c.words), std::string::npos)
        << rows.status().message();
  }
  Result<ResultSet> rows = Query("SELECT $1", {5});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ((*rows)[0].Int(0), 5);
  EXPECT_EQ(sink_.Count("store connection lost"), 0);  // never dropped
}

TEST_P(SqlClientTest, ResultPastTheBoundIsInternalAndTheNextQueryWorks) {
  Open();
  const char* sql =
      postgres() ? "SELECT g FROM generate_series(1, 70000) AS g"
                 : "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
                   "FROM g WHERE n < 70000) SELECT n FROM g";
  Result<ResultSet> rows = Query(sql);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kInternal);
  EXPECT_NE(rows.status().message().find("65536 rows"), std::string::npos)
      << rows.status().message();
  EXPECT_TRUE(Query("SELECT 1").ok());
}

TEST_P(SqlClientTest, MigrateAppliesEachMigrationOnce) {
  Open();
  std::vector<Migration> migrations = {
      {2, "add_note", "ALTER TABLE things ADD COLUMN note TEXT"},
      {1, "create_things", "CREATE TABLE things (id INTEGER PRIMARY KEY)"},
  };
  ASSERT_TRUE(Migrate(migrations).ok());
  ASSERT_TRUE(Migrate(migrations).ok());  // nothing left to apply
  EXPECT_EQ(Count("schema_migrations"), 2);
  EXPECT_TRUE(
      Query("INSERT INTO things (id, note) VALUES ($1, $2)", {1, "n"}).ok());
  std::vector<Migration> clash = {{3, "a", "SELECT 1"}, {3, "b", "SELECT 1"}};
  EXPECT_EQ(Migrate(clash).code(), StatusCode::kInvalidArgument);
  std::vector<Migration> broken = {{4, "broken", "CREATE TABLE things (x)"}};
  Status failed = Migrate(broken);
  EXPECT_EQ(failed.code(), StatusCode::kInternal);
  EXPECT_NE(failed.message().find("4 (broken)"), std::string::npos)
      << failed.message();
  EXPECT_EQ(Count("schema_migrations"), 2);
}

TEST_P(SqlClientTest, EveryLoopGetsItsOwnAnswers) {
  Open(url_, 2);
  CreateItems();
  constexpr int kPerLoop = 50;
  auto promise = std::make_shared<std::promise<int>>();
  auto failures = std::make_shared<std::atomic<int>>(0);
  auto left = std::make_shared<std::atomic<int>>(2 * kPerLoop);
  for (int loop = 0; loop < 2; ++loop) {
    Client* client = client_.get();
    threads_->Post(loop, [=] {
      for (int i = 0; i < kPerLoop; ++i) {
        const int id = loop * kPerLoop + i;
        client->Query(
            "INSERT INTO items (id, name) VALUES ($1, $2) RETURNING id",
            {id, "n" + std::to_string(id)}, [=](Result<ResultSet> rows) {
              if (!rows.ok() || (*rows)[0].Int(0) != id) ++*failures;
              if (--*left == 0) promise->set_value(failures->load());
            });
      }
    });
  }
  auto future = promise->get_future();
  ASSERT_EQ(future.wait_for(kNoAnswer), std::future_status::ready);
  EXPECT_EQ(future.get(), 0);
  EXPECT_EQ(Count("items"), 2 * kPerLoop);
}

TEST_P(SqlClientTest, UnreachableDatabaseIsUnavailable) {
  const std::string url =
      postgres() ? "postgres://u:secret@127.0.0.1:" +
                       std::to_string(test_support::FreePort()) + "/db"
                 : "sqlite://" + (dir_ / "no-such-dir" / "x.db").string();
  StoreOptions options = Patient();
  options.connect_timeout = 200ms;  // SQLite retries opening until then
  Open(url, 1, options);
  Result<ResultSet> rows = Query("SELECT 1");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kUnavailable)
      << rows.status().ToString();
  EXPECT_FALSE(client_->Ready());
}

// A write sent, and the connection lost before its answer: kAmbiguous, and
// the client never sends it again (the caller decides).
TEST_P(SqlClientTest, LostAnswerIsAmbiguousAndNeverResent) {
  if (!postgres()) GTEST_SKIP() << "SQLite answers every call it runs";
  Open();
  CreateItems();
  Client* client = client_.get();
  auto answer = std::make_shared<std::promise<Result<ResultSet>>>();
  threads_->Post(0, [client, answer] {
    client->Query(
        "INSERT INTO items (id, name) SELECT $1, 'slow' FROM pg_sleep(30)", {1},
        [answer](Result<ResultSet> rows) {
          answer->set_value(std::move(rows));
        });
  });
  // Ends the session running the insert, as an administrator would.
  const std::string database = url_.substr(url_.rfind('/') + 1);
  std::optional<std::string> ended;
  for (int i = 0; i < 500 && ended != "t"; ++i) {
    std::this_thread::sleep_for(20ms);
    ended = server->QueryValue(
        database,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
        "query LIKE 'INSERT INTO items (id, name) SELECT%' AND pid <> "
        "pg_backend_pid()");
  }
  ASSERT_EQ(ended, "t");
  auto future = answer->get_future();
  ASSERT_EQ(future.wait_for(kNoAnswer), std::future_status::ready);
  Result<ResultSet> rows = future.get();
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kAmbiguous)
      << rows.status().ToString();
  // Reconnected, and the insert was not sent again.
  Result<ResultSet> count = Query("SELECT count(*) FROM items");
  for (int i = 0; i < 500 && !count.ok(); ++i) {
    std::this_thread::sleep_for(20ms);
    count = Query("SELECT count(*) FROM items");
  }
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ((*count)[0].Int(0), 0);
}

TEST_P(SqlClientTest, BlockingClientForAdminTasks) {
  Result<StoreUrl> url = ParseStoreUrl(url_);
  ASSERT_TRUE(url.ok());
  auto client = BlockingClient::Open(*url, Patient(), log_);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->kind(), GetParam());
  ASSERT_TRUE(
      (*client)->Migrate({{1, "create_t", "CREATE TABLE t (v INTEGER)"}}).ok());
  auto applied = (*client)->Transaction(
      {{"INSERT INTO t VALUES ($1)", {1}}, {"INSERT INTO t VALUES ($1)", {2}}});
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  Result<ResultSet> sum = (*client)->Query("SELECT sum(v) FROM t");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ((*sum)[0].Int(0), 3);
}

TEST(SqlClient, OpenRefusesARedisUrl) {
  Result<StoreUrl> url = ParseStoreUrl("redis://:pw@localhost:6379");
  ASSERT_TRUE(url.ok());
  CapturingSink sink;
  Logger log(sink, LogLevel::kDebug, LogFormat::kJson);
  auto client = BlockingClient::Open(*url, Patient(), log);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(client.status().message().find("expected a postgres://"),
            std::string::npos);
  EXPECT_EQ(client.status().message().find("pw"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(BothEngines, SqlClientTest,
                         ::testing::Values("postgres", "sqlite"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace twelve::sql
