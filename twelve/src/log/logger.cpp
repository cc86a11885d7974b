#include "twelve/log/logger.hpp"

#include <chrono>
#include <cstddef>
#include <span>
#include <string>

namespace twelve {
namespace {

// Big enough for an access event, so a thread allocates its line once.
constexpr std::size_t kLineCapacity = 1024;
// A rare huge event should not pin its buffer in every thread for good.
constexpr std::size_t kMaxRetainedCapacity = 64 * 1024;

}  // namespace

Logger::Logger(LogSink& sink, LogLevel min_level, LogFormat format)
    : sink_(&sink), min_level_(min_level), format_(format) {}

void Logger::Log(LogLevel level, std::string_view msg,
                 std::span<const Field> fields) const {
  if (!Enabled(level)) return;
  // One buffer per thread: encoding needs no lock and, once warm, no
  // allocation; the sink copies the line before Write() returns.
  thread_local std::string line;
  if (line.capacity() > kMaxRetainedCapacity) line = std::string();
  line.reserve(kLineCapacity);
  line.clear();
  const auto now = std::chrono::system_clock::now();
  if (format_ == LogFormat::kJson) {
    EncodeJsonLine(line, now, level, msg, fields);
  } else {
    EncodeTextLine(line, now, level, msg, fields);
  }
  sink_->Write(line);
}

}  // namespace twelve
