#include "http/access_log.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>

#include "log/log_encoding.hpp"

namespace twelve::http {
namespace {

using namespace log_encoding;

// Events gather up to this many bytes before they are handed to the sink
// within the loop turn.
constexpr std::size_t kBatchBytes = 64 * 1024;

constexpr std::string_view kLineStart = R"({"ts":")";
constexpr std::string_view kAfterTimestamp =
    R"(","level":"info","msg":"request","method":)";
constexpr std::string_view kPathKey = R"(,"path":)";
constexpr std::string_view kStatusKey = R"(,"status":)";
constexpr std::string_view kBytesKey = R"(,"bytes":)";
constexpr std::string_view kDurationKey = R"(,"duration_us":)";
constexpr std::string_view kRemoteKey = R"(,"remote":)";
constexpr std::string_view kRequestIdKey = R"(,"request_id":)";
constexpr std::string_view kTraceIdKey = R"(,"trace_id":")";
constexpr std::string_view kSpanIdKey = R"(","span_id":")";
constexpr std::string_view kParentSpanIdKey = R"(","parent_span_id":")";
constexpr std::string_view kLineEnd = "}\n";
// The ids are hex digits: written as they are, with their quotes above.
constexpr std::size_t kTraceBytes = kTraceIdKey.size() + 32 +
                                    kSpanIdKey.size() + 16 +
                                    kParentSpanIdKey.size() + 16 + 1;

// What Stamp() adds to a held line: its start, timestamp and duration.
constexpr std::size_t kStampedBytes =
    kLineStart.size() + kTimestampWidth + kDurationKey.size() + kMaxScalarWidth;
// Everything of a line but its strings and numbers, and the numbers' room.
constexpr std::size_t kFixedBytes =
    kStampedBytes + kAfterTimestamp.size() + kPathKey.size() +
    kStatusKey.size() + kBytesKey.size() + kRemoteKey.size() +
    kRequestIdKey.size() + kLineEnd.size() + 2 * kMaxScalarWidth;

std::size_t AccessLineBound(const AccessEvent& event) {
  return kFixedBytes + JsonStringBound(event.method) +
         JsonStringBound(event.path) + JsonStringBound(event.remote) +
         JsonStringBound(event.request_id) +
         (event.trace != nullptr ? kTraceBytes : 0);
}

// A line is written in three parts: its head (up to the timestamp's end),
// the fields up to duration_us (PutMiddle), and the fields after it
// (PutRest), so that the two parts that need the clock can be written last.
// The head has a fixed width: the lines of one Stamp() share one, formatted
// once and copied whole.
using LineHead = std::array<char, kLineStart.size() + kTimestampWidth>;

LineHead FormatLineHead(std::chrono::system_clock::time_point now) {
  LineHead head;
  PutTimestamp(Put(head.data(), kLineStart), now, 6);
  return head;
}

char* PutMiddle(char* p, const AccessEvent& event) {
  p = Put(p, kAfterTimestamp);
  p = PutJsonString(p, event.method);
  p = Put(p, kPathKey);
  p = PutJsonString(p, event.path);
  p = Put(p, kStatusKey);
  p = PutNumber(p, event.status);
  p = Put(p, kBytesKey);
  return PutNumber(p, event.bytes);
}

char* PutRest(char* p, const AccessEvent& event) {
  p = Put(p, kRemoteKey);
  p = event.remote_json.empty() ? PutJsonString(p, event.remote)
                                : Put(p, event.remote_json);
  p = Put(p, kRequestIdKey);
  p = event.request_id_json.empty() ? PutJsonString(p, event.request_id)
                                    : Put(p, event.request_id_json);
  if (event.trace != nullptr) {
    p = Put(p, kTraceIdKey);
    p = Put(p, event.trace->trace_id_view());
    p = Put(p, kSpanIdKey);
    p = Put(p, event.trace->span_id_view());
    p = Put(p, kParentSpanIdKey);
    p = Put(p, event.trace->parent_span_id_view());
    *p++ = '"';
  }
  return Put(p, kLineEnd);
}

char* PutLine(char* p, const LineHead& head, std::string_view middle,
              std::int64_t duration_us, std::string_view rest) {
  p = std::copy(head.begin(), head.end(), p);
  p = Put(p, middle);
  p = Put(p, kDurationKey);
  p = PutNumber(p, duration_us);
  return Put(p, rest);
}

}  // namespace

// Assembles the line exactly as Stamp() does (held parts, then PutLine), so
// the test that compares it with the Logger's line covers the server's path.
void EncodeAccessLine(std::string& out,
                      std::chrono::system_clock::time_point now,
                      const AccessEvent& event, std::int64_t duration_us) {
  std::string parts(AccessLineBound(event), '\0');
  char* const middle = parts.data();
  char* const rest = PutMiddle(middle, event);
  const char* const end = PutRest(rest, event);
  const std::size_t old_size = out.size();
  out.resize(old_size + AccessLineBound(event));
  const char* const last =
      PutLine(out.data() + old_size, FormatLineHead(now),
              std::string_view(middle, static_cast<std::size_t>(rest - middle)),
              duration_us,
              std::string_view(rest, static_cast<std::size_t>(end - rest)));
  out.resize(static_cast<std::size_t>(last - out.data()));
}

AccessLog::AccessLog(const Logger& log, bool enabled,
                     boost::asio::io_context& io)
    : log_(log),
      enabled_(enabled && log.Enabled(LogLevel::kInfo)),
      json_(log.format() == LogFormat::kJson),
      io_(io) {
  SyncWallClock();
}

AccessLog::~AccessLog() { Publish(); }

void AccessLog::Record(const AccessEvent& event, Clock::time_point began) {
  if (!enabled_) return;
  if (!json_) {
    RecordText(event, began);
    return;
  }
  // The held text's buffer keeps its size (held_used_ says how much holds
  // text), so once warm an event costs no allocation and no zeroing.
  const std::size_t bound = AccessLineBound(event);
  if (held_used_ + bound > held_text_.size()) {
    held_text_.resize(std::max(held_used_ + bound, 2 * held_text_.size()));
  }
  char* const first = held_text_.data();
  char* const middle_end = PutMiddle(first + held_used_, event);
  char* const rest_end = PutRest(middle_end, event);
  held_used_ = static_cast<std::size_t>(rest_end - first);
  held_.push_back(
      Held{began, static_cast<std::size_t>(middle_end - first), held_used_});
  // Bounds what one connection's pass can hold (256 requests with long
  // paths would otherwise be megabytes).
  if (held_used_ >= kBatchBytes) Stamp();
  SchedulePublish();
}

// In text format, through the Logger: people at a terminal, not a load.
void AccessLog::RecordText(const AccessEvent& event, Clock::time_point began) {
  const auto duration = Clock::now() - began;
  const Field fields[] = {
      {"method", event.method},
      {"path", event.path},
      {"status", event.status},
      {"bytes", event.bytes},
      {"duration_us",
       std::chrono::duration_cast<std::chrono::microseconds>(duration).count()},
      {"remote", event.remote},
      {"request_id", event.request_id},
      {"trace_id", event.trace ? event.trace->trace_id_view() : ""},
      {"span_id", event.trace ? event.trace->span_id_view() : ""},
      {"parent_span_id", event.trace ? event.trace->parent_span_id_view() : ""},
  };
  log_.Log(LogLevel::kInfo, "request",
           std::span<const Field>(fields, event.trace ? 10 : 7));
}

void AccessLog::Stamp() {
  if (!held_.empty()) Stamp(Clock::now());
}

void AccessLog::Stamp(Clock::time_point now) {
  if (held_.empty()) return;
  const LineHead head = FormatLineHead(WallTime(now));
  char* p = Reserve(held_used_ + held_.size() * kStampedBytes);
  std::size_t start = 0;
  for (const Held& held : held_) {
    const std::string_view middle(held_text_.data() + start,
                                  held.middle_end - start);
    const std::string_view rest(held_text_.data() + held.middle_end,
                                held.rest_end - held.middle_end);
    const std::int64_t duration_us =
        std::chrono::duration_cast<std::chrono::microseconds>(now - held.began)
            .count();
    p = PutLine(p, head, middle, duration_us, rest);
    start = held.rest_end;
  }
  used_ = static_cast<std::size_t>(p - batch_.data());
  held_.clear();
  held_used_ = 0;
}

// Room for `bound` bytes of lines (a pass's) at the end of the batch; a full
// batch goes to the sink first, and a huge pass gets a batch of its size.
char* AccessLog::Reserve(std::size_t bound) {
  if (used_ + bound > batch_.size()) {
    if (used_ != 0) {
      log_.sink().Write(std::string_view(batch_.data(), used_));
      used_ = 0;
    }
    batch_.resize(std::max(kBatchBytes, bound));
  }
  return batch_.data() + used_;
}

// The lines reach the sink at the end of the loop turn: the handler posted
// now runs after the handlers already queued (this turn's other sockets).
void AccessLog::SchedulePublish() {
  if (publish_posted_) return;
  publish_posted_ = true;
  boost::asio::post(io_, [this] {
    publish_posted_ = false;
    Publish();
  });
}

void AccessLog::Publish() {
  Stamp();
  if (used_ == 0) return;
  log_.sink().Write(std::string_view(batch_.data(), used_));
  used_ = 0;
}

void AccessLog::SyncWallClock() {
  wall_offset_ = std::chrono::system_clock::now().time_since_epoch() -
                 Clock::now().time_since_epoch();
}

std::chrono::system_clock::time_point AccessLog::WallTime(
    Clock::time_point at) const {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          at.time_since_epoch() + wall_offset_));
}

}  // namespace twelve::http
