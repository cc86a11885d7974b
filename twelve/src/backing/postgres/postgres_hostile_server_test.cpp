// The PostgreSQL driver against a scripted server that breaks the protocol
// at each phase (TLS, startup, login, idle, query), floods, or answers with
// more than a result may hold: each case gives its caller a clear Status,
// logs one event per transition, holds no more than its bounds, and (when
// the stream cannot be trusted any more) reconnects, after which a
// well-behaved server answers again. Each call is one upsert ... RETURNING
// through sql::Client (Parse, Bind, Describe, Execute, Sync). Past the
// usual length because the cases share one scripted server and fixture:
// one hostile behaviour per test, phase by phase.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backing/postgres/postgres_auth.hpp"
#include "backing/postgres/postgres_pipeline.hpp"
#include "tests/support/capturing_sink.hpp"
#include "tests/support/process_memory.hpp"
#include "tests/support/running_loops.hpp"
#include "tests/support/scripted_server.hpp"
#include "tests/support/waiting.hpp"
#include "twelve/backing/sql.hpp"

namespace twelve::backing {
namespace {

using namespace std::string_literals;
using std::chrono::milliseconds;
using test_support::Await;
using test_support::CapturingSink;
using test_support::kResidentPerHeapByte;
using test_support::PeakMemory;
using test_support::PgMessagesThrough;
using test_support::PgStartup;
using test_support::RunningLoops;
using test_support::Script;
using test_support::ScriptedServer;
using test_support::TlsRecord;
using test_support::WaitFor;

constexpr const char* kPassword = "hostile-test-pass-5e2b";

// --- The server's messages --------------------------------------------------

std::string Int32(std::uint32_t value) {
  const std::uint32_t big = htonl(value);
  return std::string(reinterpret_cast<const char*>(&big), 4);
}
std::string Int16(std::uint16_t value) {
  const std::uint16_t big = htons(value);
  return std::string(reinterpret_cast<const char*>(&big), 2);
}
std::string Message(char type, const std::string& body) {
  return type + Int32(static_cast<std::uint32_t>(body.size() + 4)) + body;
}
std::string Text(const std::string& text) { return text + '\0'; }

std::string AuthOk() { return Message('R', Int32(0)); }
std::string CleartextRequest() { return Message('R', Int32(3)); }
std::string SaslRequest() {
  return Message('R', Int32(10) + Text("SCRAM-SHA-256") + Text(""));
}
std::string Ready() { return Message('Z', "I"); }
// ParseComplete, BindComplete and the Describe's answer: one int8 column.
std::string ParseBind() {
  const std::string column = Text("value") + Int32(0) + Int16(0) + Int32(20) +
                             Int16(8) + Int32(0xFFFFFFFF) + Int16(0);
  return Message('1', "") + Message('2', "") + Message('T', Int16(1) + column);
}
std::string Row(const std::string& value) {
  return Message(
      'D', Int16(1) + Int32(static_cast<std::uint32_t>(value.size())) + value);
}
std::string Complete(const std::string& tag) { return Message('C', Text(tag)); }
std::string Fields(char type, const std::string& severity,
                   const std::string& code, const std::string& text) {
  return Message(type, "S" + Text(severity) + "V" + Text(severity) + "C" +
                           Text(code) + "M" + Text(text) + Text(""));
}
std::string Error(const std::string& severity, const std::string& code,
                  const std::string& text) {
  return Fields('E', severity, code, text);
}
std::string Notice(const std::string& text) {
  return Fields('N', "NOTICE", "00000", text);
}
std::string Parameter(const std::string& name, const std::string& value) {
  return Message('S', Text(name) + Text(value));
}
// A whole answer to one of the driver's queries: one row holding `value`.
std::string Answer(const std::string& value) {
  return ParseBind() + Row(value) + Complete("INSERT 0 1") + Ready();
}

// AuthenticationSASLContinue for the client's first message (the 'p' the
// script read last): our nonce extended, a salt, `iterations`.
Script::Answer SaslContinue(long iterations, int times = 1) {
  return [iterations, times](std::string_view client_first) {
    const std::size_t nonce = client_first.find("r=");
    const std::string server_first =
        std::string(client_first.substr(nonce)) +
        "srvnonce,s=QSXCR+Q6sek8bf92,i=" + std::to_string(iterations);
    std::string out;
    for (int i = 0; i < times; ++i) {
      out += Message('R', Int32(11) + server_first);
    }
    return out;
  };
}

// --- Scripts ----------------------------------------------------------------

// Trusts the login: AuthenticationOk and ReadyForQuery.
Script LoggedIn() {
  return Script().Read(PgStartup()).Send(AuthOk() + Ready());
}
// Then answers 7 to every query. With `tls_declined`, first answers the
// SSLRequest with 'N'.
Script WellBehaved(bool tls_declined = false) {
  Script script;
  if (tls_declined) script.Read(PgStartup()).Send("N");
  return script.Read(PgStartup())
      .Send(AuthOk() + Ready())
      .Repeat()
      .Read(PgMessagesThrough('S'))
      .Send(Answer("7"));
}
// Logs in, reads the first query and sends `bytes`.
Script Answering(const std::string& bytes) {
  return LoggedIn().Read(PgMessagesThrough('S')).Send(bytes);
}
// Starts a SCRAM login and reads the client's first message.
Script ScramStarted() {
  return Script()
      .Read(PgStartup())
      .Send(SaslRequest())
      .Read(PgMessagesThrough('p'));
}

// Logged in; the first query's answer comes behind `bytes` of `message`
// repeated, then every query is answered 7 on the same connection.
Script FloodedThenWellBehaved(const std::string& message, std::uint64_t bytes) {
  return LoggedIn()
      .Read(PgMessagesThrough('S'))
      .Stream(message, bytes)
      .Send(Answer("5"))
      .Repeat()
      .Read(PgMessagesThrough('S'))
      .Send(Answer("7"));
}

constexpr char kUpsert[] =
    "INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) "
    "DO UPDATE SET value = counters.value + excluded.value RETURNING value";

// The first row's first column, as a number.
Result<std::int64_t> FirstValue(const Result<sql::ResultSet>& rows) {
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::Internal("test: no row");
  std::optional<std::int64_t> value = (*rows)[0].Int(0);
  if (!value) return Status::Internal("test: not an integer");
  return *value;
}

class PostgresHostileServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    loops_.Stop();
    if (client_) client_->Close();
    client_.reset();
  }

  static StoreOptions Options() {
    StoreOptions options;
    options.connect_timeout = milliseconds(5000);
    options.operation_timeout = milliseconds(20000);
    options.min_backoff = milliseconds(10);
    options.max_backoff = milliseconds(50);
    return options;
  }

  // Connection n to the server plays scripts[min(n, last)].
  void Open(std::vector<Script> scripts, const std::string& sslmode = "disable",
            const StoreOptions& options = Options()) {
    server_ = std::make_unique<ScriptedServer>(std::move(scripts));
    Result<StoreUrl> url =
        ParseStoreUrl(std::string("postgres://twelve:") + kPassword +
                      "@127.0.0.1:" + std::to_string(server_->port()) +
                      "/counts?sslmode=" + sslmode);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    Result<std::unique_ptr<sql::Client>> client =
        sql::Open(*url, options, loops_.loops(), log_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  // Adds `count` in one loop turn, so that they are pipelined.
  std::vector<Result<std::int64_t>> Adds(int count) {
    using Promise = std::promise<Result<std::int64_t>>;
    std::vector<std::shared_ptr<Promise>> promises;
    for (int i = 0; i < count; ++i)
      promises.push_back(std::make_shared<Promise>());
    loops_.Post(0, [this, promises] {
      for (const auto& promise : promises) {
        client_->Query(kUpsert, {"key", 1},
                       [promise](Result<sql::ResultSet> rows) {
                         promise->set_value(FirstValue(rows));
                       });
      }
    });
    std::vector<Result<std::int64_t>> results;
    for (const auto& promise : promises) {
      auto future = promise->get_future();
      results.push_back(Await(future));
    }
    return results;
  }
  Result<std::int64_t> Add() { return Adds(1).front(); }

  bool WaitReady() {
    return WaitFor([this] { return client_->Ready(); });
  }
  bool WaitLogged(const std::string& text) {
    return WaitFor([&] { return sink_.Count(text) > 0; });
  }

  static void ExpectFailure(const Result<std::int64_t>& result, StatusCode code,
                            const std::string& what) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), code) << result.status().ToString();
    EXPECT_NE(result.status().message().find(what), std::string::npos)
        << result.status().message();
  }

  // The connection (or the attempt) failed once, logged as one failure and
  // one reconnection, and the next connection (a well-behaved script)
  // counts.
  void ExpectReconnected() {
    ASSERT_TRUE(WaitReady());
    const Result<std::int64_t> after = Add();
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(*after, 7);
    EXPECT_EQ(server_->connections(), 2);
    const int lost = sink_.Count("\"store connection lost\"");
    EXPECT_EQ(lost + sink_.Count("\"store connection failed\""), 1)
        << sink_.All();
    EXPECT_EQ(sink_.Count("\"store reconnecting\""), 1);
    EXPECT_EQ(sink_.Count("\"back\":true"), lost);
  }

  // The stream stayed in step: the same connection answers the next query.
  void ExpectConnectionKept() {
    const Result<std::int64_t> after = Add();
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(*after, 7);
    EXPECT_EQ(server_->connections(), 1);
    EXPECT_EQ(sink_.Count("\"store connection lost\""), 0);
  }

  // A login that `script` breaks: the call waiting for it is kUnavailable
  // with `what`; the next connection is well-behaved.
  void ExpectLoginRefused(Script script, const std::string& what,
                          const std::string& sslmode = "disable") {
    Open({std::move(script), WellBehaved(sslmode != "disable")}, sslmode);
    ExpectFailure(Add(), StatusCode::kUnavailable, what);
    ExpectReconnected();
  }

  // A first query that `answer` breaks: kAmbiguous (it was sent) with
  // `what`, then a reconnection.
  void ExpectQueryBroken(const std::string& answer, const std::string& what) {
    Open({Answering(answer), WellBehaved()});
    ASSERT_TRUE(WaitReady());
    ExpectFailure(Add(), StatusCode::kAmbiguous, what);
    ExpectReconnected();
  }

  CapturingSink sink_;
  Logger log_{sink_, LogLevel::kDebug, LogFormat::kJson};
  RunningLoops loops_{1};
  std::unique_ptr<ScriptedServer> server_;
  std::unique_ptr<sql::Client> client_;
};

// --- Truncated, cut, silent -------------------------------------------------

TEST_F(PostgresHostileServerTest, TruncatedMessageThenCloseIsAmbiguous) {
  Open({Answering(ParseBind() + "D\0\0\0\x20\0\x01"s).Close(), WellBehaved()});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add(), StatusCode::kAmbiguous,
                "the server closed the connection");
  ExpectReconnected();
}

TEST_F(PostgresHostileServerTest, TruncatedLoginThenCloseIsUnavailable) {
  ExpectLoginRefused(
      Script().Read(PgStartup()).Send("R\0\0\0\x0c\0\0"s).Close(),
      "the server closed the connection");
}

TEST_F(PostgresHostileServerTest, ResetInTheMiddleOfAResultIsAmbiguous) {
  Open({Answering(ParseBind() + Row("1").substr(0, 7)).Reset(), WellBehaved()});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add(), StatusCode::kAmbiguous,
                ") after the command was sent; it may or may not have been "
                "applied");
  ExpectReconnected();
}

TEST_F(PostgresHostileServerTest, SilentServerTimesOutThenAnotherCounts) {
  StoreOptions options = Options();
  options.operation_timeout = milliseconds(200);
  Open({LoggedIn().Read(PgMessagesThrough('S')).Pause(milliseconds(60'000)),
        WellBehaved()},
       "disable", options);
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add(), StatusCode::kTimeout, "no answer within 200 ms");
  ExpectReconnected();
}

// --- Wrong lengths ----------------------------------------------------------

TEST_F(PostgresHostileServerTest, LengthBelowFourIsNotTheProtocol) {
  ExpectQueryBroken(ParseBind() + "Z\0\0\0\x03I"s,
                    "a message length of 3, less than 4");
}

TEST_F(PostgresHostileServerTest, NegativeLengthIsNotTheProtocol) {
  ExpectQueryBroken(ParseBind() + "D\xff\xff\xff\xf0"s,
                    "less than 4: the stream is not the PostgreSQL protocol");
}

TEST_F(PostgresHostileServerTest, LengthBeyondTheLimitIsRefusedAtItsHeader) {
  const PeakMemory memory;
  ExpectQueryBroken(ParseBind() + "D\x7f\xff\xff\xff"s,
                    "a message of 2147483647 bytes, more than the 8388608 "
                    "allowed");
  EXPECT_LT(memory.Growth(), kResidentPerHeapByte * 8 * 1024 * 1024);
}

TEST_F(PostgresHostileServerTest, LengthJustPastTheLimitIsRefused) {
  ExpectQueryBroken(ParseBind() + Message('D', "").substr(0, 1) +
                        Int32(static_cast<std::uint32_t>(
                            pg::InputBuffer::kDefaultMaxMessage + 1)),
                    "a message of 8388609 bytes, more than the 8388608 "
                    "allowed");
}

TEST_F(PostgresHostileServerTest, LengthTooShortForItsMessageIsMalformed) {
  ExpectQueryBroken(ParseBind() + Message('Z', ""),
                    "postgres: malformed ReadyForQuery");
}

TEST_F(PostgresHostileServerTest, DataRowShorterThanItsColumnsIsMalformed) {
  ExpectQueryBroken(ParseBind() + Message('D', Int16(1) + Int32(10) + "abc"),
                    "postgres: malformed DataRow");
}

// --- Unexpected messages, phase by phase ------------------------------------

TEST_F(PostgresHostileServerTest, UnexpectedMessageBeforeTheLogin) {
  ExpectLoginRefused(Script().Read(PgStartup()).Send(Message('D', Int16(0))),
                     "unexpected message 'D' while starting the session");
}

TEST_F(PostgresHostileServerTest, UnexpectedMessageDuringTheLogin) {
  ExpectLoginRefused(ScramStarted().Send(Message('T', Int16(0))),
                     "unexpected message 'T' while starting the session");
}

TEST_F(PostgresHostileServerTest, ReadyWithoutALoginIsRefused) {
  ExpectLoginRefused(Script().Read(PgStartup()).Send(Ready()),
                     "the server started the session without authenticating "
                     "it");
}

TEST_F(PostgresHostileServerTest, LoginAcceptedBeforeScramsProofIsRefused) {
  ExpectLoginRefused(ScramStarted()
                         .Respond(SaslContinue(4096))
                         .Read(PgMessagesThrough('p'))
                         .Send(AuthOk() + Ready()),
                     "the server accepted the login before SCRAM's final "
                     "message, without proving it knows the password");
}

TEST_F(PostgresHostileServerTest, AuthenticationRequestAfterTheLoginIsRefused) {
  ExpectLoginRefused(
      Script().Read(PgStartup()).Send(AuthOk() + CleartextRequest()),
      "the server sent an authentication request after AuthenticationOk");
}

TEST_F(PostgresHostileServerTest,
       UnexpectedMessageWhileIdleDropsTheConnection) {
  Open({LoggedIn().Send(Message('G', Int16(0) + Int16(0))), WellBehaved()});
  ASSERT_TRUE(WaitLogged("the server sent an unexpected message 'G'"));
  ExpectReconnected();
}

TEST_F(PostgresHostileServerTest, UnexpectedMessageInAResultIsAmbiguous) {
  ExpectQueryBroken(ParseBind() + Message('W', Int16(0) + Int16(0)),
                    "the server sent an unexpected message 'W'");
}

// --- Errors in a pipeline ---------------------------------------------------

TEST_F(PostgresHostileServerTest, ErrorInAPipelineFailsOnlyItsQuery) {
  Open({LoggedIn()
            .Read(PgMessagesThrough('S'))
            .Read(PgMessagesThrough('S'))
            .Read(PgMessagesThrough('S'))
            .Send(Answer("1") + ParseBind() +
                  Error("ERROR", "22003", "value out of range") + Ready() +
                  Answer("3"))
            .Repeat()
            .Read(PgMessagesThrough('S'))
            .Send(Answer("7"))});
  ASSERT_TRUE(WaitReady());
  const std::vector<Result<std::int64_t>> results = Adds(3);
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_EQ(*results[0], 1);
  ExpectFailure(results[1], StatusCode::kInvalidArgument,
                "postgres: ERROR 22003: value out of range");
  ASSERT_TRUE(results[2].ok()) << results[2].status().ToString();
  EXPECT_EQ(*results[2], 3);
  ExpectConnectionKept();
}

TEST_F(PostgresHostileServerTest, FatalErrorInAPipelineFailsTheRestAmbiguous) {
  Open({LoggedIn()
            .Read(PgMessagesThrough('S'))
            .Read(PgMessagesThrough('S'))
            .Read(PgMessagesThrough('S'))
            .Send(Answer("1") +
                  Error("FATAL", "57P01",
                        "terminating connection due to administrator command"))
            .Close(),
        WellBehaved()});
  ASSERT_TRUE(WaitReady());
  const std::vector<Result<std::int64_t>> results = Adds(3);
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  for (int i : {1, 2}) {
    ExpectFailure(results[i], StatusCode::kAmbiguous,
                  "FATAL 57P01: terminating connection due to administrator "
                  "command");
  }
  ExpectReconnected();
}

// --- Results past their bounds ----------------------------------------------

TEST_F(PostgresHostileServerTest, MillionRowsFailCleanlyAndKeepTheConnection) {
  const std::string row = Row(std::string(100, 'v'));
  const std::uint64_t payload = row.size() * 1'000'000;
  Open({LoggedIn()
            .Read(PgMessagesThrough('S'))
            .Send(ParseBind())
            .Stream(row, payload)
            .Send(Complete("SELECT 1000000") + Ready())
            .Repeat()
            .Read(PgMessagesThrough('S'))
            .Send(Answer("7"))});
  ASSERT_TRUE(WaitReady());
  const PeakMemory memory;
  ExpectFailure(Add(), StatusCode::kInternal,
                "postgres: the query's result passed the limit of 8388608 "
                "bytes of rows (the rest was read and dropped");
  // Held whole, the rows would take more than the payload.
  EXPECT_LT(memory.Growth(),
            kResidentPerHeapByte * static_cast<std::int64_t>(payload / 4));
  ExpectConnectionKept();
}

TEST_F(PostgresHostileServerTest, RowsPastTheRowBoundFailCleanly) {
  const std::string row = Row("1");
  Open({LoggedIn()
            .Read(PgMessagesThrough('S'))
            .Send(ParseBind())
            .Stream(row, row.size() * (PostgresPipeline::kMaxResultRows + 1))
            .Send(Complete("SELECT 65537") + Ready())
            .Repeat()
            .Read(PgMessagesThrough('S'))
            .Send(Answer("7"))});
  ASSERT_TRUE(WaitReady());
  ExpectFailure(Add(), StatusCode::kInternal,
                "the query's result passed the limit of 65536 rows");
  ExpectConnectionKept();
}

// --- Endless logins ---------------------------------------------------------

TEST_F(PostgresHostileServerTest, RepeatedPasswordRequestsAreAnsweredOnce) {
  const std::string request = CleartextRequest();
  ExpectLoginRefused(Script()
                         .Read(PgStartup())
                         .Send(request)
                         .Read(PgMessagesThrough('p'))
                         .Stream(request, request.size() * 100'000),
                     "the server asked for authentication again after it "
                     "was answered");
  const std::string sent = server_->Received(0);
  const std::string password = Text(kPassword);
  const std::size_t first = sent.find(password);
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(sent.find(password, first + 1), std::string::npos);
}

TEST_F(PostgresHostileServerTest, EndlessSaslContinueIsAnsweredOnce) {
  ExpectLoginRefused(ScramStarted().Respond(SaslContinue(4096, 1000)),
                     "the server sent AuthenticationSASLContinue twice");
}

TEST_F(PostgresHostileServerTest, HugeScramIterationCountIsRefused) {
  ExpectLoginRefused(ScramStarted().Respond(SaslContinue(1'000'000'000)),
                     "iteration count (i=) exceeds the limit of " +
                         std::to_string(pg::ScramSha256::kMaxIterations));
}

// --- TLS cut short ----------------------------------------------------------

TEST_F(PostgresHostileServerTest, CloseAfterAgreeingToTlsIsUnavailable) {
  ExpectLoginRefused(
      Script().Read(PgStartup()).Send("S").Read(TlsRecord()).Close(),
      "postgres: TLS", "prefer");
}

TEST_F(PostgresHostileServerTest, GarbageInsteadOfAServerHelloIsUnavailable) {
  ExpectLoginRefused(Script()
                         .Read(PgStartup())
                         .Send("S")
                         .Read(TlsRecord())
                         .Send("HTTP/1.1 400 Bad Request\r\n\r\n")
                         .Close(),
                     "postgres: TLS", "prefer");
}

TEST_F(PostgresHostileServerTest, TruncatedServerHelloIsUnavailable) {
  // A handshake record announcing 122 bytes of ServerHello; 16 come.
  const std::string record =
      "\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03"s + std::string(16, '\x5a');
  ExpectLoginRefused(Script()
                         .Read(PgStartup())
                         .Send("S")
                         .Read(TlsRecord())
                         .Send(record)
                         .Close(),
                     "postgres: TLS", "prefer");
}

// --- Floods -----------------------------------------------------------------

TEST_F(PostgresHostileServerTest, InventedParametersWithoutEndAreRefused) {
  std::string parameters;
  for (int i = 0; i < 1000; ++i) {
    parameters += Parameter("invented_" + std::to_string(i), "x");
  }
  ExpectLoginRefused(Script().Read(PgStartup()).Send(AuthOk() + parameters),
                     "the server reported more than 64 parameters");
}

TEST_F(PostgresHostileServerTest, ParameterStatusFloodIsReadAndForgotten) {
  const std::string parameter = Parameter("application_name", "flood");
  const std::uint64_t payload = parameter.size() * 200'000;
  Open({FloodedThenWellBehaved(parameter, payload)});
  ASSERT_TRUE(WaitReady());
  const PeakMemory memory;
  const Result<std::int64_t> flooded = Add();
  ASSERT_TRUE(flooded.ok()) << flooded.status().ToString();
  EXPECT_EQ(*flooded, 5);
  EXPECT_LT(memory.Growth(),
            kResidentPerHeapByte * static_cast<std::int64_t>(payload / 8));
  ExpectConnectionKept();
}

TEST_F(PostgresHostileServerTest, NoticeFloodIsLoggedOnlyAtFirst) {
  const std::string notice = Notice("the server has something to say");
  const std::uint64_t payload = notice.size() * 200'000;
  Open({FloodedThenWellBehaved(notice, payload)});
  ASSERT_TRUE(WaitReady());
  const PeakMemory memory;
  const Result<std::int64_t> flooded = Add();
  ASSERT_TRUE(flooded.ok()) << flooded.status().ToString();
  EXPECT_EQ(*flooded, 5);
  EXPECT_EQ(sink_.Count("\"store notice\""), 16);
  EXPECT_EQ(sink_.Count("\"store notices suppressed\""), 1);
  EXPECT_LT(memory.Growth(),
            kResidentPerHeapByte * static_cast<std::int64_t>(payload / 8));
  ExpectConnectionKept();
}

}  // namespace
}  // namespace twelve::backing
