#include "twelve/http/request_log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "tests/support/capturing_sink.hpp"

namespace twelve {
namespace {

using test_support::CapturingSink;

boost::json::object OnlyEvent(const CapturingSink& sink) {
  const std::vector<std::string> lines = sink.Lines();
  EXPECT_EQ(lines.size(), 1u);
  return lines.empty() ? boost::json::object()
                       : boost::json::parse(lines[0]).as_object();
}

TEST(RequestLog, AddsTheRequestIdAfterTheEventsFields) {
  CapturingSink sink;
  const Logger log(sink, LogLevel::kInfo, LogFormat::kJson);
  Request request;
  request.request_id = "abc-1";
  RequestLog(log, request).Warn("visit not counted", {{"error", "down"}});
  boost::json::object event = OnlyEvent(sink);
  EXPECT_EQ(event["msg"], "visit not counted");
  EXPECT_EQ(event["error"], "down");
  EXPECT_EQ(event["request_id"], "abc-1");
  EXPECT_FALSE(event.contains("trace_id"));
}

TEST(RequestLog, CarriesATraceAndOutlivesTheRequest) {
  CapturingSink sink;
  const Logger log(sink, LogLevel::kInfo, LogFormat::kJson);
  std::optional<RequestLog> kept;
  {
    std::string id = "from-the-client";
    TraceContext trace;
    trace.trace_id.fill('a');
    trace.span_id.fill('b');
    trace.parent_span_id.fill('c');
    Request request;
    request.request_id = id;
    request.trace = &trace;
    kept.emplace(log, request);
    id.assign(id.size(), 'x');  // the connection's buffer, reused
    trace.trace_id.fill('0');
  }
  kept->Error("store failed");
  boost::json::object event = OnlyEvent(sink);
  EXPECT_EQ(event["request_id"], "from-the-client");
  EXPECT_EQ(event["trace_id"], boost::json::string(std::string(32, 'a')));
  EXPECT_EQ(event["span_id"], boost::json::string(std::string(16, 'b')));
  EXPECT_EQ(event["parent_span_id"], boost::json::string(std::string(16, 'c')));
}

TEST(RequestLog, LogsNothingBelowTheLevel) {
  CapturingSink sink;
  const Logger log(sink, LogLevel::kWarn, LogFormat::kJson);
  Request request;
  RequestLog(log, request).Info("noise");
  EXPECT_TRUE(sink.Lines().empty());
}

}  // namespace
}  // namespace twelve
