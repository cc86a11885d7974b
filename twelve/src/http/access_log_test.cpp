#include "http/access_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/capturing_sink.hpp"
#include "twelve/log/logger.hpp"

namespace twelve::http {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;
using namespace std::string_literals;
using test_support::CapturingSink;

system_clock::time_point FixedTime() {
  return std::chrono::sys_days{std::chrono::year(2026) / 11 / 28} + 1h + 2min +
         3s + 456789us;
}

// What the generic Logger writes for the same event: the access line must be
// byte for byte the same.
std::string GenericLine(const AccessEvent& event, std::int64_t duration_us,
                        system_clock::time_point now = FixedTime()) {
  std::string line;
  EncodeJsonLine(line, now, LogLevel::kInfo, "request",
                 {{"method", event.method},
                  {"path", event.path},
                  {"status", event.status},
                  {"bytes", event.bytes},
                  {"duration_us", duration_us},
                  {"remote", event.remote},
                  {"request_id", event.request_id}});
  return line;
}

// The same with a traced request's ids after request_id.
std::string GenericTracedLine(const AccessEvent& event,
                              std::int64_t duration_us) {
  std::string line;
  EncodeJsonLine(line, FixedTime(), LogLevel::kInfo, "request",
                 {{"method", event.method},
                  {"path", event.path},
                  {"status", event.status},
                  {"bytes", event.bytes},
                  {"duration_us", duration_us},
                  {"remote", event.remote},
                  {"request_id", event.request_id},
                  {"trace_id", event.trace->trace_id_view()},
                  {"span_id", event.trace->span_id_view()},
                  {"parent_span_id", event.trace->parent_span_id_view()}});
  return line;
}

TraceContext SomeTrace() {
  TraceContext trace;
  std::string_view trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  std::string_view span_id = "53995c3f42cd8ad8";
  std::string_view parent = "00f067aa0ba902b7";
  std::copy(trace_id.begin(), trace_id.end(), trace.trace_id.begin());
  std::copy(span_id.begin(), span_id.end(), trace.span_id.begin());
  std::copy(parent.begin(), parent.end(), trace.parent_span_id.begin());
  return trace;
}

std::string AccessLine(const AccessEvent& event, std::int64_t duration_us,
                       system_clock::time_point now = FixedTime()) {
  std::string line = "kept:";
  EncodeAccessLine(line, now, event, duration_us);
  EXPECT_EQ(line.substr(0, 5), "kept:") << "appends, never overwrites";
  return line.substr(5);
}

AccessEvent Typical() {
  return {"GET", "/", 200, 21, "127.0.0.1:41728", "9fb6b259-000000000001"};
}

TEST(EncodeAccessLine, WritesTheLineTheLoggerWrites) {
  const AccessEvent event = Typical();
  EXPECT_EQ(AccessLine(event, 58),
            R"({"ts":"2026-11-28T01:02:03.456789Z","level":"info",)"
            R"("msg":"request","method":"GET","path":"/","status":200,)"
            R"("bytes":21,"duration_us":58,"remote":"127.0.0.1:41728",)"
            R"("request_id":"9fb6b259-000000000001"})"
            "\n");
  EXPECT_EQ(AccessLine(event, 58), GenericLine(event, 58));
}

// A connection's remote address and generated request id given already
// quoted are copied as they are: the line is the same.
TEST(EncodeAccessLine, CopiesAQuotedRemoteAndIdAsTheyAre) {
  AccessEvent event = Typical();
  event.remote_json = R"("127.0.0.1:41728")";
  EXPECT_EQ(AccessLine(event, 58), GenericLine(Typical(), 58));
  event.request_id_json = R"("9fb6b259-000000000001")";
  EXPECT_EQ(AccessLine(event, 58), GenericLine(Typical(), 58));
  const TraceContext trace = SomeTrace();
  event.trace = &trace;
  AccessEvent plain = Typical();
  plain.trace = &trace;
  EXPECT_EQ(AccessLine(event, 58), AccessLine(plain, 58));
}

TEST(EncodeAccessLine, AddsATracedRequestsIdsLikeTheLogger) {
  const TraceContext trace = SomeTrace();
  AccessEvent event = Typical();
  event.trace = &trace;
  EXPECT_EQ(AccessLine(event, 58),
            R"({"ts":"2026-11-28T01:02:03.456789Z","level":"info",)"
            R"("msg":"request","method":"GET","path":"/","status":200,)"
            R"("bytes":21,"duration_us":58,"remote":"127.0.0.1:41728",)"
            R"("request_id":"9fb6b259-000000000001",)"
            R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
            R"("span_id":"53995c3f42cd8ad8",)"
            R"("parent_span_id":"00f067aa0ba902b7"})"
            "\n");
  EXPECT_EQ(AccessLine(event, 58), GenericTracedLine(event, 58));
  // The longest request id too: the line's bound holds the ids.
  const std::string longest(128, '"');
  event.request_id = longest;
  EXPECT_EQ(AccessLine(event, 1), GenericTracedLine(event, 1));
}

// Values a client could send, in every field (the encoder trusts none).
std::vector<std::string> HostileTexts() {
  return {
      "",
      "\"",
      "/a\"b\\c",
      "/new\nline\r\t",
      "/ctl\x01\x1f\x7f",
      "/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80",  // valid UTF-8
      "/bad\xff\xc3(\xed\xa0\x80",                   // invalid UTF-8
      "/a/long/plain/path/that/spans/many/eight/byte/words?q=1&r=2",
      std::string(300, '"'),
  };
}

TEST(EncodeAccessLine, EscapesEveryValueLikeTheLogger) {
  for (const std::string& text : HostileTexts()) {
    const AccessEvent event{text, text, 404, 0, text, text};
    EXPECT_EQ(AccessLine(event, 0), GenericLine(event, 0)) << text;
  }
}

TEST(EncodeAccessLine, WritesExtremeNumbersLikeTheLogger) {
  AccessEvent event = Typical();
  event.status = 599;
  event.bytes = std::numeric_limits<std::size_t>::max();
  const std::int64_t slowest = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(AccessLine(event, slowest), GenericLine(event, slowest));
  EXPECT_EQ(AccessLine(event, -1), GenericLine(event, -1));
}

TEST(EncodeAccessLine, WritesAnyTimeLikeTheLogger) {
  for (const system_clock::time_point now :
       {system_clock::time_point{}, FixedTime() + 999999us,
        system_clock::now()}) {
    EXPECT_EQ(AccessLine(Typical(), 1, now), GenericLine(Typical(), 1, now));
  }
}

// A sink that also counts its Write() calls.
class CountingSink final : public LogSink {
 public:
  void Write(std::string_view lines) override {
    ++writes;
    lines_.Write(lines);
  }
  void Flush() override {}
  std::vector<std::string> Lines() const { return lines_.Lines(); }
  int writes = 0;

 private:
  CapturingSink lines_;
};

boost::json::object Parse(const std::string& line) {
  return boost::json::parse(line).as_object();
}

class AccessLogTest : public ::testing::Test {
 protected:
  AccessLog::Clock::time_point now() { return AccessLog::Clock::now(); }
  // Runs what the loop has queued, as the end of a turn would.
  void EndTurn() {
    io_.restart();
    io_.poll();
  }

  boost::asio::io_context io_;
  CountingSink sink_;
};

TEST_F(AccessLogTest, PublishesATurnsEventsInOneWrite) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kJson);
  AccessLog access(log, true, io_);
  for (int i = 0; i < 3; ++i) access.Record(Typical(), now());
  EXPECT_EQ(sink_.writes, 0) << "held until the end of the loop turn";
  EndTurn();
  EXPECT_EQ(sink_.writes, 1);
  ASSERT_EQ(sink_.Lines().size(), 3u);
  for (const std::string& line : sink_.Lines()) {
    EXPECT_EQ(Parse(line).at("path").as_string(), "/");
  }
  access.Record(Typical(), now());
  EndTurn();
  EXPECT_EQ(sink_.writes, 2) << "a later turn publishes again";
}

TEST_F(AccessLogTest, MeasuresTheDurationAndStampsTheWallClock) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kJson);
  AccessLog access(log, true, io_);
  const auto wall_before = system_clock::now();
  access.Record(Typical(), now() - 5ms);
  access.Publish();
  ASSERT_EQ(sink_.Lines().size(), 1u);
  const boost::json::object line = Parse(sink_.Lines()[0]);
  EXPECT_GE(line.at("duration_us").as_int64(), 5000);
  EXPECT_LT(line.at("duration_us").as_int64(), 5'000'000);
  // The stamp is derived from the steady clock: within a second of the
  // wall clock read here (the test's own tolerance, not the code's).
  std::string expected = GenericLine(Typical(), 0, wall_before);
  EXPECT_EQ(std::string(line.at("ts").as_string()).substr(0, 16),
            std::string(Parse(expected).at("ts").as_string()).substr(0, 16));
}

TEST_F(AccessLogTest, StampsTheAnswersOfAPassTogether) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kJson);
  AccessLog access(log, true, io_);
  const auto began = now();
  access.Record(Typical(), began - 10ms);
  access.Record(Typical(), began - 2ms);
  std::this_thread::sleep_for(3ms);
  access.Stamp();  // the connection hands both answers to the socket
  EXPECT_EQ(sink_.writes, 0) << "stamped lines still wait for the turn's end";
  EndTurn();
  const std::vector<std::string> lines = sink_.Lines();
  ASSERT_EQ(lines.size(), 2u);
  const boost::json::object first = Parse(lines[0]);
  const boost::json::object second = Parse(lines[1]);
  EXPECT_EQ(first.at("ts"), second.at("ts")) << "one clock read";
  const std::int64_t first_us = first.at("duration_us").as_int64();
  const std::int64_t second_us = second.at("duration_us").as_int64();
  EXPECT_GE(second_us, 5000) << "measured up to the stamp, not the record";
  EXPECT_NEAR(first_us - second_us, 8000, 1);
}

// The server's own path: a pass recorded, then stamped with one clock read
// and one formatted timestamp. Each line is the Logger's line for its event
// at the stamp's time with its own duration.
TEST_F(AccessLogTest, StampsAPassIntoTheLinesTheLoggerWrites) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kJson);
  AccessLog access(log, true, io_);
  const std::vector<std::string> texts = HostileTexts();
  std::vector<AccessEvent> events = {Typical()};
  for (const std::string& text : texts) {
    events.push_back(AccessEvent{text, text, 400, text.size(), text, text});
  }
  events.push_back(Typical());
  const auto began = now();
  for (std::size_t i = 0; i < events.size(); ++i) {
    access.Record(events[i], began - std::chrono::microseconds(i * 1000));
  }
  access.Stamp();
  EndTurn();
  const std::vector<std::string> lines = sink_.Lines();
  ASSERT_EQ(lines.size(), events.size());
  const boost::json::string ts = Parse(lines[0]).at("ts").as_string();
  for (std::size_t i = 0; i < events.size(); ++i) {
    const boost::json::object line = Parse(lines[i]);
    EXPECT_EQ(line.at("ts"), ts) << "one stamp for the pass";
    std::string expected =
        GenericLine(events[i], line.at("duration_us").as_int64());
    expected.replace(expected.find("2026-"), ts.size(), ts);
    EXPECT_EQ(lines[i], expected) << i;
  }
}

TEST_F(AccessLogTest, PublishesEarlyWhenTheBatchIsLargeAndLosesNothing) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kJson);
  AccessLog access(log, true, io_);
  const std::string path(1000, 'p');
  for (int i = 0; i < 200; ++i) {
    AccessEvent event = Typical();
    event.path = path;
    event.status = 200 + i;
    access.Record(event, now());
  }
  EXPECT_GE(sink_.writes, 1) << "200 KB of lines are not held for the turn";
  EndTurn();
  const std::vector<std::string> lines = sink_.Lines();
  ASSERT_EQ(lines.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(Parse(lines[i]).at("status").as_int64(), 200 + i) << "in order";
  }
}

TEST_F(AccessLogTest, TakesAHugeEventWhole) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kJson);
  AccessLog access(log, true, io_);
  AccessEvent event = Typical();
  const std::string path(40000, '\x01');  // escapes to 240 KB
  event.path = path;
  access.Record(event, now());
  access.Record(Typical(), now());
  EndTurn();
  const std::vector<std::string> lines = sink_.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Parse(lines[0]).at("path").as_string(), path);
}

TEST_F(AccessLogTest, PublishesWhatIsLeftWhenDestroyed) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kJson);
  {
    AccessLog access(log, true, io_);
    access.Record(Typical(), now());
  }
  EXPECT_EQ(sink_.Lines().size(), 1u);
}

TEST_F(AccessLogTest, LogsNothingWhenOffOrBelowTheLevel) {
  const Logger info(sink_, LogLevel::kInfo, LogFormat::kJson);
  const Logger warn(sink_, LogLevel::kWarn, LogFormat::kJson);
  AccessLog off(info, false, io_);
  AccessLog quiet(warn, true, io_);
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(quiet.enabled());
  off.Record(Typical(), now());
  quiet.Record(Typical(), now());
  EndTurn();
  EXPECT_TRUE(sink_.Lines().empty());
}

TEST_F(AccessLogTest, WritesTextThroughTheLogger) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kText);
  AccessLog access(log, true, io_);
  access.Record(Typical(), now());
  ASSERT_EQ(sink_.Lines().size(), 1u);
  EXPECT_NE(
      sink_.Lines()[0].find(" INFO  request method=GET path=/ status=200"),
      std::string::npos)
      << sink_.Lines()[0];
}

TEST_F(AccessLogTest, WritesATracedRequestsIdsInText) {
  const Logger log(sink_, LogLevel::kInfo, LogFormat::kText);
  AccessLog access(log, true, io_);
  const TraceContext trace = SomeTrace();
  AccessEvent event = Typical();
  event.trace = &trace;
  access.Record(event, now());
  ASSERT_EQ(sink_.Lines().size(), 1u);
  EXPECT_NE(sink_.Lines()[0].find(
                " trace_id=4bf92f3577b34da6a3ce929d0e0e4736 "
                "span_id=53995c3f42cd8ad8 parent_span_id=00f067aa0ba902b7"),
            std::string::npos)
      << sink_.Lines()[0];
}

}  // namespace
}  // namespace twelve::http
