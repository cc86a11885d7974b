#pragma once
// AccessLog: the "request" event of every answered request, on the hot path.
//
// Pipelined, a request costs the server about a microsecond, and a generic
// log event (fields escaped one by one, two clock reads, a lock and a copy
// into the sink per event) was a third of it. So the access event has its
// own encoder and its own batching, and writes exactly the line the Logger
// would (log_encoding.hpp; a test compares them byte for byte):
//
// - the constant parts ("level":"info","msg":"request","method":...) are
//   written as one piece, only the values are escaped;
// - a connection's answers of one pass are stamped together when they are
//   handed to the socket (Stamp(), from the connection's flush): one
//   steady-clock read gives every duration (arrival to send) and the
//   wall-clock time, as steady time plus an offset re-read by the worker's
//   sweep, so a stepped wall clock shows in the log within a sweep interval;
//   the timestamp, the same for the pass, is formatted once and copied;
// - the events of one worker gather in a buffer handed to the sink in one
//   Write at the end of the event-loop turn (a posted handler), or sooner
//   when the buffer is large. Access events can therefore follow, by less
//   than one loop turn, another event that the same thread logged later.
//
// In text format the events go through the Logger, one by one.
//
// One per worker; used from the worker's thread only.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/http/trace_context.hpp"
#include "twelve/log/logger.hpp"

namespace twelve::http {

struct AccessEvent {
  std::string_view method;
  std::string_view path;
  int status = 0;
  std::size_t bytes = 0;
  std::string_view remote;
  std::string_view request_id;
  // A traced request's ids (trace_id, span_id, parent_span_id follow
  // request_id); null for most requests.
  const TraceContext* trace = nullptr;
  // When set, `remote` already as a JSON string (quoted, needing no escape),
  // copied as it is: a connection checks its address once, not per request.
  std::string_view remote_json = {};
  // The same for `request_id` (a generated id: hex digits and '-').
  std::string_view request_id_json = {};
};

// Appends the JSON line of `event` to `out`: the line
// Logger::Info("request", {method, path, status, bytes, duration_us, remote,
// request_id[, trace_id, span_id, parent_span_id]}) writes at time `now`.
void EncodeAccessLine(std::string& out,
                      std::chrono::system_clock::time_point now,
                      const AccessEvent& event, std::int64_t duration_us);

class AccessLog {
 public:
  using Clock = std::chrono::steady_clock;

  // Logs nothing unless `enabled` and the logger takes info events.
  AccessLog(const Logger& log, bool enabled, boost::asio::io_context& io);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool enabled() const { return enabled_; }
  // Logs one answered request that began at `began`. Its line is finished
  // by the next Stamp() (or Publish()); the event's strings are copied.
  void Record(const AccessEvent& event, Clock::time_point began);
  // Finishes the lines recorded since the last Stamp() with one clock read:
  // call it when the answers are handed to the socket.
  void Stamp();
  // The same with the time read by the caller (one read for the access
  // log and the request metrics); `pending()`: lines wait for a stamp.
  void Stamp(Clock::time_point now);
  bool pending() const { return !held_.empty(); }
  // Stamps, and hands what has gathered to the sink.
  void Publish();
  // Re-reads the wall clock's offset from the steady clock.
  void SyncWallClock();

 private:
  std::chrono::system_clock::time_point WallTime(Clock::time_point at) const;

  const Logger& log_;
  const bool enabled_;
  const bool json_;
  boost::asio::io_context& io_;
  // Recorded, not yet stamped: each line's text but its time and duration.
  struct Held {
    Clock::time_point began;
    std::size_t middle_end;  // in held_text_: the fields before duration_us
    std::size_t rest_end;    // then the fields after it
  };
  char* Reserve(std::size_t bound);
  void SchedulePublish();
  void RecordText(const AccessEvent& event, Clock::time_point began);

  std::string held_text_;  // its first held_used_ bytes are held lines
  std::size_t held_used_ = 0;
  std::vector<Held> held_;
  std::string batch_;  // its first used_ bytes are finished lines
  std::size_t used_ = 0;
  bool publish_posted_ = false;
  std::chrono::nanoseconds wall_offset_{};
};

}  // namespace twelve::http
