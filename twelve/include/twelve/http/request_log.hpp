#pragma once
// RequestLog: a Logger bound to one request, so that every event logged for
// it carries the ids the access event carries (request_id, and with a valid
// traceparent trace_id, span_id and parent_span_id), and the events of one
// request can be found together, here and across services.
//
//   void Handle(const Request& request, Responder responder) {
//     RequestLog log(log_, request);  // copies the ids: outlives `request`
//     store.Get(key, [log, ...](Result<int64_t> value) {
//       if (!value.ok()) log.Warn("read failed", {{"error", ...}});
//     });
//   }
//
// A copy holds the ids in place (no allocation) and refers to the Logger,
// which must outlive it. Thread safety: as Logger's.

#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "twelve/http/message.hpp"
#include "twelve/http/trace_context.hpp"
#include "twelve/log/logger.hpp"

namespace twelve {

class RequestLog {
 public:
  RequestLog(const Logger& log, const Request& request);
  // Without a Request: a handler's ids as the server passed them.
  RequestLog(const Logger& log, std::string_view request_id,
             const TraceContext* trace);

  bool Enabled(LogLevel level) const { return log_->Enabled(level); }
  // Logs `msg` with `fields`, then the request's ids.
  void Log(LogLevel level, std::string_view msg,
           std::initializer_list<Field> fields) const;
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

  std::string_view request_id() const { return {request_id_.data(), size_}; }
  const std::optional<TraceContext>& trace() const { return trace_; }

 private:
  // A sane X-Request-ID is at most this long (request_parser.cpp).
  static constexpr std::size_t kMaxRequestId = 128;

  const Logger* log_;
  std::array<char, kMaxRequestId> request_id_;
  std::size_t size_ = 0;
  std::optional<TraceContext> trace_;
};

}  // namespace twelve
