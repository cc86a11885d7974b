#include "http/access_log.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "log_encoding.hpp"

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
constexpr std::string_view kLineEnd = "}\n";

constexpr std::size_t kFixedBytes =
    kLineStart.size() + kTimestampWidth + kAfterTimestamp.size() +
    kPathKey.size() + kStatusKey.size() + kBytesKey.size() +
    kDurationKey.size() + kRemoteKey.size() + kRequestIdKey.size() +
    kLineEnd.size() + 3 * kMaxScalarWidth;

std::size_t AccessLineBound(const AccessEvent& event) {
  return kFixedBytes + JsonStringBound(event.method) +
         JsonStringBound(event.path) + JsonStringBound(event.remote) +
         JsonStringBound(event.request_id);
}

char* PutAccessLine(char* p, std::chrono::system_clock::time_point now,
                    const AccessEvent& event, std::int64_t duration_us) {
  p = Put(p, kLineStart);
  p = PutTimestamp(p, now, 6);
  p = Put(p, kAfterTimestamp);
  p = PutJsonString(p, event.method);
  p = Put(p, kPathKey);
  p = PutJsonString(p, event.path);
  p = Put(p, kStatusKey);
  p = PutNumber(p, event.status);
  p = Put(p, kBytesKey);
  p = PutNumber(p, event.bytes);
  p = Put(p, kDurationKey);
  p = PutNumber(p, duration_us);
  p = Put(p, kRemoteKey);
  p = PutJsonString(p, event.remote);
  p = Put(p, kRequestIdKey);
  p = PutJsonString(p, event.request_id);
  return Put(p, kLineEnd);
}

}  // namespace

void EncodeAccessLine(std::string& out,
                      std::chrono::system_clock::time_point now,
                      const AccessEvent& event, std::int64_t duration_us) {
  const std::size_t old_size = out.size();
  out.resize(old_size + AccessLineBound(event));
  char* const first = out.data() + old_size;
  const char* const last = PutAccessLine(first, now, event, duration_us);
  out.resize(old_size + static_cast<std::size_t>(last - first));
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
  const Clock::time_point now = Clock::now();
  const std::int64_t duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(now - began)
          .count();
  if (!json_) {
    log_.Info("request", {{"method", event.method},
                          {"path", event.path},
                          {"status", event.status},
                          {"bytes", event.bytes},
                          {"duration_us", duration_us},
                          {"remote", event.remote},
                          {"request_id", event.request_id}});
    return;
  }
  // The buffer keeps its size and `used_` says how much holds lines, so an
  // event costs no allocation and no zeroing.
  const std::size_t bound = AccessLineBound(event);
  if (used_ + bound > batch_.size()) {
    Publish();
    batch_.resize(std::max(kBatchBytes, bound));
  }
  if (used_ == 0) boost::asio::post(io_, [this] { Publish(); });
  char* const end =
      PutAccessLine(batch_.data() + used_, WallTime(now), event, duration_us);
  used_ = static_cast<std::size_t>(end - batch_.data());
}

void AccessLog::Publish() {
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
