#pragma once
// Logs as an event stream (factor XI): one event per line on stdout.
//
// An event is a level, a message and typed fields. In JSON format a line is
// {"ts":"2026-11-28T01:02:03.456789Z","level":"info","msg":"...",<fields>}
// with every key and value escaped by the encoder, so no input can forge a
// line or a field. Text format is for people at a terminal.
//
// Thread safety: Logger and StdoutSink are safe to use from every thread.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace twelve {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kJson, kText };

// "debug", "info", "warn", "error".
std::string_view LogLevelName(LogLevel level);

// One key and a typed value. Keys are expected to be identifiers; values are
// escaped whatever they hold. A Field only views its strings: they must
// outlive the Log() call, which a temporary std::string argument does.
class Field {
 public:
  enum class Kind { kString, kInt, kUint, kDouble, kBool };

  Field(std::string_view key, std::string_view value)
      : key_(key), kind_(Kind::kString), string_(value) {}
  Field(std::string_view key, const char* value)
      : Field(key, std::string_view(value)) {}
  Field(std::string_view key, const std::string& value)
      : Field(key, std::string_view(value)) {}
  Field(std::string_view key, bool value)
      : key_(key), kind_(Kind::kBool), bool_(value) {}
  Field(std::string_view key, int value)
      : key_(key), kind_(Kind::kInt), int_(value) {}
  Field(std::string_view key, long value)
      : key_(key), kind_(Kind::kInt), int_(value) {}
  Field(std::string_view key, long long value)
      : key_(key), kind_(Kind::kInt), int_(value) {}
  Field(std::string_view key, unsigned value)
      : key_(key), kind_(Kind::kUint), uint_(value) {}
  Field(std::string_view key, unsigned long value)
      : key_(key), kind_(Kind::kUint), uint_(value) {}
  Field(std::string_view key, unsigned long long value)
      : key_(key), kind_(Kind::kUint), uint_(value) {}
  Field(std::string_view key, double value)
      : key_(key), kind_(Kind::kDouble), double_(value) {}

  std::string_view key() const { return key_; }
  Kind kind() const { return kind_; }
  std::string_view string_value() const { return string_; }
  std::int64_t int_value() const { return int_; }
  std::uint64_t uint_value() const { return uint_; }
  double double_value() const { return double_; }
  bool bool_value() const { return bool_; }

 private:
  std::string_view key_;
  Kind kind_;
  std::string_view string_;
  union {
    std::int64_t int_ = 0;
    std::uint64_t uint_;
    double double_;
    bool bool_;
  };
};

// Where encoded lines go. Write() receives one or more complete lines,
// newlines included. Implementations must be thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view lines) = 0;
  // Blocks until everything written so far has reached its destination.
  virtual void Flush() = 0;
};

// Writes to a file descriptor (stdout by default) in batches: a background
// thread writes whatever has accumulated at least every `max_delay`, so a busy
// server does not pay a syscall per event, yet every event is out within
// `max_delay`. Partial writes and EINTR are retried; if the descriptor fails
// (EPIPE, disk full) lines are dropped and counted rather than blocking the
// server. The destructor flushes.
class StdoutSink final : public LogSink {
 public:
  explicit StdoutSink(int fd = 1, std::chrono::milliseconds max_delay =
                                      std::chrono::milliseconds(50));
  ~StdoutSink() override;
  StdoutSink(const StdoutSink&) = delete;
  StdoutSink& operator=(const StdoutSink&) = delete;

  void Write(std::string_view lines) override;
  void Flush() override;
  std::uint64_t dropped_lines() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

class Logger {
 public:
  Logger(LogSink& sink, LogLevel min_level, LogFormat format);

  bool Enabled(LogLevel level) const { return level >= min_level_; }

  void Log(LogLevel level, std::string_view msg,
           std::span<const Field> fields) const;
  void Log(LogLevel level, std::string_view msg,
           std::initializer_list<Field> fields = {}) const {
    Log(level, msg, std::span<const Field>(fields.begin(), fields.size()));
  }
  void Debug(std::string_view msg, std::initializer_list<Field> f = {}) const {
    Log(LogLevel::kDebug, msg, f);
  }
  void Info(std::string_view msg, std::initializer_list<Field> f = {}) const {
    Log(LogLevel::kInfo, msg, f);
  }
  void Warn(std::string_view msg, std::initializer_list<Field> f = {}) const {
    Log(LogLevel::kWarn, msg, f);
  }
  void Error(std::string_view msg, std::initializer_list<Field> f = {}) const {
    Log(LogLevel::kError, msg, f);
  }

  LogSink& sink() const { return *sink_; }
  LogFormat format() const { return format_; }

 private:
  LogSink* sink_;
  LogLevel min_level_;
  LogFormat format_;
};

// Encodes one event as a JSON line (newline included) onto `out`; exposed for
// tests and benchmarks. `now` is formatted as RFC 3339 UTC with microseconds.
void EncodeJsonLine(std::string& out, std::chrono::system_clock::time_point now,
                    LogLevel level, std::string_view msg,
                    std::span<const Field> fields);
// The same event for people:
// "2026-11-28T01:02:03.456Z INFO  msg key=value key2="with spaces"".
// A message or value that holds spaces (values only), quotes, backslashes,
// '=', control characters or non-ASCII bytes is quoted and escaped as in
// JSON, so text lines cannot be forged either.
void EncodeTextLine(std::string& out, std::chrono::system_clock::time_point now,
                    LogLevel level, std::string_view msg,
                    std::span<const Field> fields);

inline void EncodeJsonLine(std::string& out,
                           std::chrono::system_clock::time_point now,
                           LogLevel level, std::string_view msg,
                           std::initializer_list<Field> fields) {
  EncodeJsonLine(out, now, level, msg,
                 std::span<const Field>(fields.begin(), fields.size()));
}
inline void EncodeTextLine(std::string& out,
                           std::chrono::system_clock::time_point now,
                           LogLevel level, std::string_view msg,
                           std::initializer_list<Field> fields) {
  EncodeTextLine(out, now, level, msg,
                 std::span<const Field>(fields.begin(), fields.size()));
}

}  // namespace twelve
