#include "twelve/http/request_log.hpp"

#include <algorithm>
#include <vector>

namespace twelve {

RequestLog::RequestLog(const Logger& log, const Request& request)
    : RequestLog(log, request.request_id, request.trace) {}

RequestLog::RequestLog(const Logger& log, std::string_view request_id,
                       const TraceContext* trace)
    : log_(&log), size_(std::min(request_id.size(), kMaxRequestId)) {
  std::copy_n(request_id.begin(), size_, request_id_.begin());
  if (trace != nullptr) trace_ = *trace;
}

void RequestLog::Log(LogLevel level, std::string_view msg,
                     std::initializer_list<Field> fields) const {
  if (!log_->Enabled(level)) return;
  // Off the hot path (an app's warnings and errors): a vector is fine.
  std::vector<Field> all(fields.begin(), fields.end());
  all.emplace_back("request_id", request_id());
  if (trace_) {
    all.emplace_back("trace_id", trace_->trace_id_view());
    all.emplace_back("span_id", trace_->span_id_view());
    all.emplace_back("parent_span_id", trace_->parent_span_id_view());
  }
  log_->Log(level, msg, all);
}

}  // namespace twelve
