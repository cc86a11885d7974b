#include "backing/connection_lifecycle.hpp"

#include <utility>
#include <vector>

#include "backing/store_metrics.hpp"

namespace twelve::backing {

std::string HostAndPort(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ConnectionLifecycle::ConnectionLifecycle(Options options, const Logger& log)
    : options_(std::move(options)),
      log_(log),
      backoff_(options_.min_backoff, options_.max_backoff) {}

LogLevel ConnectionLifecycle::Level(LogLevel level) const {
  return options_.log_transitions ? level : LogLevel::kDebug;
}

std::string ConnectionLifecycle::Where() const {
  return options_.store + " at " + options_.address;
}

void ConnectionLifecycle::Connected(std::span<const Field> fields) {
  const bool back = ever_connected_;
  ever_connected_ = true;
  first_attempt_done_ = true;
  last_error_.clear();
  backoff_.Reset();
  if (back && options_.metrics != nullptr) {
    options_.metrics->Reconnect(static_cast<std::size_t>(options_.loop));
  }
  std::vector<Field> event = {{"store", options_.store},
                              {"loop", options_.loop},
                              {"address", options_.address}};
  event.insert(event.end(), fields.begin(), fields.end());
  event.emplace_back("back", back);
  log_.Log(Level(LogLevel::kInfo), "store connected", event);
  ready_.store(true, std::memory_order_release);
}

std::optional<std::chrono::milliseconds> ConnectionLifecycle::Failed(
    const std::string& error, Failure failure) {
  const bool was_up = ready_.exchange(false, std::memory_order_acq_rel);
  const bool first = !first_attempt_done_;
  first_attempt_done_ = true;
  const std::string previous = std::exchange(last_error_, error);
  std::optional<std::chrono::milliseconds> delay;
  if (options_.reconnect) delay = backoff_.Next();
  const long long delay_ms = delay ? delay->count() : 0;
  if (was_up || first) {
    log_.Log(Level(LogLevel::kWarn),
             was_up ? "store connection lost" : "store connection failed",
             {{"store", options_.store},
              {"loop", options_.loop},
              {"address", options_.address},
              {"error", error}});
    if (delay) {
      log_.Log(Level(LogLevel::kInfo), "store reconnecting",
               {{"store", options_.store},
                {"loop", options_.loop},
                {"address", options_.address},
                {"delay_ms", delay_ms}});
    }
  } else if (failure == Failure::kRefused && error != previous) {
    log_.Log(Level(LogLevel::kWarn), "store connection failed",
             {{"store", options_.store},
              {"loop", options_.loop},
              {"address", options_.address},
              {"error", error}});
  } else {
    log_.Debug("store reconnect failed", {{"store", options_.store},
                                          {"loop", options_.loop},
                                          {"address", options_.address},
                                          {"error", error},
                                          {"delay_ms", delay_ms}});
  }
  return delay;
}

void ConnectionLifecycle::Closed() {
  closed_ = true;
  first_attempt_done_ = true;
  ready_.store(false, std::memory_order_release);
}

Status ConnectionLifecycle::NotSent(const std::string& error,
                                    Failure failure) const {
  if (failure == Failure::kConnectTimeout) {
    return Status::Timeout(Where() + ": " + error);
  }
  return Status::Unavailable(Where() + " unavailable: " + error);
}

Status ConnectionLifecycle::Sent(const std::string& error, Failure failure,
                                 bool oldest) const {
  if (oldest && failure == Failure::kOperationTimeout) {
    return Status::Timeout(Where() + ": " + error +
                           "; the command may or may not have been applied");
  }
  return Status::Ambiguous(
      Where() + ": the connection was dropped (" + error +
      ") after the command was sent; it may or may not have been applied");
}

Status ConnectionLifecycle::Down() const {
  if (closed_) return Status::Unavailable(options_.store + ": closed");
  return Status::Unavailable(
      Where() + " unavailable: " +
      (last_error_.empty() ? std::string("not connected") : last_error_));
}

}  // namespace twelve::backing
