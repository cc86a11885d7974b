#include "twelve/config/kit_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace twelve {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;
constexpr int kMaxWebThreads = 256;
constexpr std::size_t kMaxReleaseIdChars = 128;

constexpr std::array<std::pair<std::string_view, LogLevel>, 4> kLevels = {{
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"error", LogLevel::kError},
}};

constexpr std::int64_t Ms(std::chrono::milliseconds duration) {
  return duration.count();
}

Setting Integer(std::string name, std::int64_t fallback, std::int64_t min,
                std::int64_t max, std::string doc) {
  return {.name = std::move(name),
          .type = SettingType::kInteger,
          .default_value = std::to_string(fallback),
          .min = min,
          .max = max,
          .doc = std::move(doc)};
}

Setting Duration(std::string name, std::string fallback, std::int64_t min_ms,
                 std::int64_t max_ms, std::string doc) {
  return {.name = std::move(name),
          .type = SettingType::kDuration,
          .default_value = std::move(fallback),
          .min = min_ms,
          .max = max_ms,
          .doc = std::move(doc)};
}

Setting Bytes(std::string name, std::string fallback, std::int64_t min,
              std::int64_t max, std::string doc) {
  return {.name = std::move(name),
          .type = SettingType::kBytes,
          .default_value = std::move(fallback),
          .min = min,
          .max = max,
          .doc = std::move(doc)};
}

Setting Choice(std::string name, std::string fallback,
               std::vector<std::string> choices, std::string doc) {
  return {.name = std::move(name),
          .type = SettingType::kChoice,
          .default_value = std::move(fallback),
          .choices = std::move(choices),
          .doc = std::move(doc)};
}

// inet_pton, not a resolver: a host name would make startup depend on DNS.
Status ValidateIpLiteral(std::string_view text) {
  const std::string address(text);
  unsigned char buffer[sizeof(in6_addr)];
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1 ||
      inet_pton(AF_INET6, address.c_str(), buffer) == 1) {
    return Status::Ok();
  }
  return Status::InvalidArgument(
      "an IPv4 or IPv6 address such as 0.0.0.0 or ::");
}

// The id lands in every log line and in /version, so it stays short and
// plain.
Status ValidateReleaseId(std::string_view text) {
  const bool printable = std::all_of(
      text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (printable && text.size() <= kMaxReleaseIdChars) return Status::Ok();
  return Status::InvalidArgument(
      "up to 128 printable ASCII characters, such as v42");
}

void AddServerSettings(SettingsTable& table) {
  table.Add(Integer("PORT", 5000, 1, 65535,
                    "TCP port to listen on (factor VII). Not the Redis port of "
                    "the course's .env: Redis is attached with REDIS_URL."));
  table.Add({.name = "BIND",
             .default_value = "0.0.0.0",
             .doc = "IP address to listen on, an IPv4 or IPv6 literal (not a "
                    "host name): 0.0.0.0 is every IPv4 interface, :: every "
                    "IPv6 one. Not HOST, which the course uses for the Redis "
                    "host (here part of REDIS_URL).",
             .validate = ValidateIpLiteral});
  Setting threads = Integer(
      "WEB_THREADS", std::clamp(AvailableCpus(), 1, kMaxWebThreads), 1,
      kMaxWebThreads,
      "Threads serving HTTP in this process (factor VIII); scale further "
      "by running more processes.");
  threads.default_doc = "the CPUs this process may use";
  table.Add(std::move(threads));
  table.Add(Choice("REUSE_PORT", "off", {"off", "on"},
                   "on: several processes may listen on the same PORT "
                   "(SO_REUSEPORT) and the kernel spreads connections among "
                   "them (factor VIII). off: a PORT in use is an error."));
}

void AddHttpSettings(SettingsTable& table) {
  table.Add(Duration("HTTP_HEADER_TIMEOUT", "10s", Ms(100ms), Ms(10min),
                     "How long a client may take to send a request's "
                     "header."));
  table.Add(Duration("HTTP_BODY_TIMEOUT", "30s", Ms(100ms), Ms(1h),
                     "How long a client may take to send a request's body, "
                     "counted from the end of its header: a slow upload is "
                     "cut when it passes this, however steadily it "
                     "trickles."));
  table.Add(Duration("HTTP_IDLE_TIMEOUT", "60s", Ms(100ms), Ms(1h),
                     "How long a keep-alive connection may wait for its next "
                     "request."));
  table.Add(Duration("HTTP_WRITE_TIMEOUT", "10s", Ms(100ms), Ms(10min),
                     "How long writing a response may take before the "
                     "connection is closed."));
  table.Add(Bytes("HTTP_MAX_HEADER_BYTES", "16KiB", kKiB, kMiB,
                  "Largest request header (request line and fields) "
                  "accepted."));
  table.Add(Bytes("HTTP_MAX_BODY_BYTES", "1MiB", 0, kGiB,
                  "Largest request body accepted."));
  table.Add(Integer("HTTP_MAX_CONNECTIONS", 10'000, 1, 1'000'000,
                    "Most client connections open at once in this process."));
}

void AddLogSettings(SettingsTable& table) {
  std::vector<std::string> levels;
  levels.reserve(kLevels.size());
  for (const auto& [name, level] : kLevels) levels.emplace_back(name);
  table.Add(Choice("LOG_LEVEL", "info", std::move(levels),
                   "Least severe log event written."));
  table.Add(Choice("LOG_FORMAT", "json", {"json", "text"},
                   "json: one JSON object per line on stdout (factor XI); "
                   "text: for people at a terminal."));
  table.Add(Choice("ACCESS_LOG", "on", {"on", "off"},
                   "Whether each HTTP request is logged as one event."));
}

void AddShutdownSettings(SettingsTable& table) {
  table.Add(Duration("SHUTDOWN_DELAY", "0s", 0, Ms(5min),
                     "On SIGTERM, how long /readyz answers 503 before the "
                     "listener closes, so load balancers stop sending new "
                     "requests first."));
  table.Add(Duration("SHUTDOWN_TIMEOUT", "10s", 0, Ms(10min),
                     "On SIGTERM, how long in-flight requests may still run "
                     "before they are cut (factor IX)."));
}

void AddAdminSettings(SettingsTable& table) {
  table.Add(Choice("METRICS", "on", {"on", "off"},
                   "on: count requests per route and serve /metrics "
                   "(Prometheus text) on PORT and on the admin listener. "
                   "off: no counting, no /metrics."));
  table.Add({.name = "ADMIN_PORT",
             .type = SettingType::kInteger,
             .min = 1,
             .max = 65535,
             .doc = "TCP port of the admin listener (/status, /metrics, "
                    "/livez, /readyz), never the same as PORT; unset: no "
                    "admin listener."});
  table.Add({.name = "ADMIN_BIND",
             .default_value = "127.0.0.1",
             .doc = "IP address of the admin listener: loopback by default, "
                    "so the status page is not public.",
             .validate = ValidateIpLiteral});
}

LogLevel LevelNamed(std::string_view name) {
  for (const auto& [level_name, level] : kLevels) {
    if (level_name == name) return level;
  }
  throw std::logic_error("LOG_LEVEL has no level named " + std::string(name));
}

}  // namespace

std::vector<SettingError> CheckKitConfig(const KitConfig& config) {
  std::vector<SettingError> errors;
  if (config.admin.port != 0 && config.admin.port == config.server.port) {
    const std::string port = std::to_string(config.server.port);
    errors.push_back(
        {"ADMIN_PORT", port,
         "a port other than PORT (PORT=" + port +
             "): the admin listener (/status) must never share the "
             "service port"});
  }
  return errors;
}

void AddKitSettings(SettingsTable& table) {
  AddServerSettings(table);
  AddLogSettings(table);
  AddShutdownSettings(table);
  AddHttpSettings(table);
  AddAdminSettings(table);
  table.Add({.name = "RELEASE_ID",
             .doc = "The release this process runs, set by the platform, "
                    "e.g. v42 (factor V): up to 128 printable ASCII "
                    "characters, shown in logs and /version.",
             .validate = ValidateReleaseId});
}

KitConfig KitConfigFrom(const Settings& settings) {
  KitConfig config;
  ServerConfig& server = config.server;
  server.bind = settings.String("BIND");
  server.port = static_cast<std::uint16_t>(settings.Integer("PORT"));
  server.threads = static_cast<int>(settings.Integer("WEB_THREADS"));
  server.reuse_port = settings.String("REUSE_PORT") == "on";
  server.header_timeout = settings.Duration("HTTP_HEADER_TIMEOUT");
  server.body_timeout = settings.Duration("HTTP_BODY_TIMEOUT");
  server.idle_timeout = settings.Duration("HTTP_IDLE_TIMEOUT");
  server.write_timeout = settings.Duration("HTTP_WRITE_TIMEOUT");
  server.max_header_bytes = settings.Bytes("HTTP_MAX_HEADER_BYTES");
  server.max_body_bytes = settings.Bytes("HTTP_MAX_BODY_BYTES");
  server.max_connections = settings.Integer("HTTP_MAX_CONNECTIONS");

  config.log.level = LevelNamed(settings.String("LOG_LEVEL"));
  config.log.format = settings.String("LOG_FORMAT") == "text"
                          ? LogFormat::kText
                          : LogFormat::kJson;
  config.log.access_log = settings.String("ACCESS_LOG") == "on";

  config.shutdown.delay = settings.Duration("SHUTDOWN_DELAY");
  config.shutdown.timeout = settings.Duration("SHUTDOWN_TIMEOUT");
  config.admin.metrics = settings.String("METRICS") == "on";
  if (settings.Has("ADMIN_PORT")) {
    config.admin.port =
        static_cast<std::uint16_t>(settings.Integer("ADMIN_PORT"));
  }
  config.admin.bind = settings.String("ADMIN_BIND");
  if (settings.Has("RELEASE_ID"))
    config.release_id = settings.String("RELEASE_ID");
  return config;
}

}  // namespace twelve
