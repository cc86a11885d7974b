#include "twelve/backing/store_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <optional>

#include "backing/driver_settings.hpp"
#include "twelve/config/settings.hpp"

namespace twelve {

std::string backing::ParameterNameAsWritten(std::string_view decoded) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : decoded) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '%' || c == '"') {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

constexpr std::string_view kRedisForm =
    "redis://[user][:password@]host[:port][/db]";
constexpr std::string_view kPostgresForm =
    "postgres://user:password@host[:port]/database";
constexpr std::string_view kSqliteForm = "sqlite:///absolute/path/to/file.db";

// The message says what was expected, phrased to follow "expected" (the
// settings table shows it as NAME="value": expected <message>).
Status Expected(std::string_view what, std::string_view form) {
  return Status::InvalidArgument(std::string(form) + " (" + std::string(what) +
                                 ")");
}

// Redis and SQLite URLs take no parameters: one that is given anyway is a
// typo or a libpq habit, and ignoring it would hide the mistake.
Status RejectParameters(const boost::urls::url_view& view,
                        std::string_view form, std::string_view store) {
  if (!view.has_query()) return Status::Ok();
  if (view.encoded_query().empty()) {  // not walked: see ParsePostgres
    return Expected("an empty query parameter is not allowed", form);
  }
  for (auto param : view.params()) {
    if (param.key.empty()) continue;
    return Expected("unknown parameter \"" +
                        backing::ParameterNameAsWritten(param.key) + "\": a " +
                        std::string(store) + " URL takes no parameters",
                    form);
  }
  return Expected("an empty query parameter is not allowed", form);
}

// A decimal number from 0 to `max`, as a whole; nullopt for anything else
// (the caller says what was expected).
std::optional<long long> ParseNumber(std::string_view text, long long max) {
  if (text.empty()) return std::nullopt;
  long long out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size() || out < 0 ||
      out > max) {
    return std::nullopt;
  }
  return out;
}

Status ParseAuthority(const boost::urls::url_view& view, StoreUrl& url) {
  std::string_view form = StoreUrlForm(url.kind);
  if (view.has_userinfo()) {
    url.user = view.user();
    if (view.has_password()) url.password = view.password();
  }
  if (view.host_type() == boost::urls::host_type::ipv6) {
    url.host = view.host_ipv6_address().to_string();
  } else {
    url.host = view.host();
  }
  if (url.host.empty()) return Expected("the host is missing", form);
  url.port = url.kind == StoreUrl::Kind::kRedis ? 6379 : 5432;
  if (view.has_port()) {
    const std::optional<long long> port = ParseNumber(view.port(), 65535);
    if (!port || *port == 0) {
      return Expected("the port must be a number from 1 to 65535", form);
    }
    url.port = static_cast<std::uint16_t>(*port);
  }
  return Status::Ok();
}

Status ParseRedis(const boost::urls::url_view& view, StoreUrl& url) {
  if (Status status = ParseAuthority(view, url); !status.ok()) return status;
  if (Status status = RejectParameters(view, kRedisForm, "Redis");
      !status.ok()) {
    return status;
  }
  std::string_view path = view.encoded_path();
  if (path.empty() || path == "/") return Status::Ok();
  const std::optional<long long> db = ParseNumber(path.substr(1), 1'000'000);
  if (!db) {
    return Expected("the path must be a database number such as /0",
                    kRedisForm);
  }
  url.database = static_cast<int>(*db);
  return Status::Ok();
}

Status ParsePostgres(const boost::urls::url_view& view, StoreUrl& url) {
  if (Status status = ParseAuthority(view, url); !status.ok()) return status;
  // libpq's multi-host and socket-directory forms: the driver connects to
  // one host over TCP.
  if (url.host.find(',') != std::string::npos) {
    return Expected("one host only: a list of hosts is not supported",
                    kPostgresForm);
  }
  if (url.host.front() == '/') {
    return Expected("a TCP host: a Unix socket directory is not supported",
                    kPostgresForm);
  }
  std::string path = view.path();
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.find('/') != std::string::npos) {
    return Expected("the path must be one database name", kPostgresForm);
  }
  url.path = path;
  // An empty query ("db?") has no parameters, as for libpq. Walking it
  // would also crash when a fragment follows ("db?#x"): Boost.URL 1.81
  // reads past the end (boostorg/url#864; found by fuzz/store_url).
  if (!view.encoded_query().empty()) {
    for (auto param : view.params()) {
      url.params.emplace_back(param.key, param.value);
    }
  }
  // The driver's own reading of the parameters, once: a URL it would
  // refuse is refused here, when the configuration is read, and its
  // connections take the settings from the URL (driver_settings.hpp).
  Result<std::shared_ptr<const DriverSettings>> settings =
      backing::ReadPostgresUrl(url);
  if (!settings.ok()) {
    return Expected(settings.status().message(), kPostgresForm);
  }
  url.driver_settings = std::move(*settings);
  return Status::Ok();
}

Status ParseSqlite(const boost::urls::url_view& view, StoreUrl& url) {
  if (view.has_authority() && !view.encoded_authority().empty()) {
    return Expected("use three slashes: the path must be absolute",
                    kSqliteForm);
  }
  url.path = view.path();
  if (url.path.size() < 2 || url.path.front() != '/') {
    return Expected("the path must be absolute", kSqliteForm);
  }
  if (url.path.back() == '/') {
    return Expected("the path must name a file", kSqliteForm);
  }
  return RejectParameters(view, kSqliteForm, "SQLite");
}

}  // namespace

std::string_view StoreUrlForm(StoreUrl::Kind kind) {
  switch (kind) {
    case StoreUrl::Kind::kRedis:
      return kRedisForm;
    case StoreUrl::Kind::kPostgres:
      return kPostgresForm;
    case StoreUrl::Kind::kSqlite:
      return kSqliteForm;
  }
  return kRedisForm;
}

std::string_view StoreKindName(StoreUrl::Kind kind) {
  switch (kind) {
    case StoreUrl::Kind::kRedis:
      return "redis";
    case StoreUrl::Kind::kPostgres:
      return "postgres";
    case StoreUrl::Kind::kSqlite:
      return "sqlite";
  }
  return "redis";
}

std::string StoreUrl::Masked() const { return MaskUrlPassword(original); }

Result<StoreUrl> ParseStoreUrl(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return Status::InvalidArgument(
        "a URL such as redis://host:6379, "
        "postgres://user:password@host/db or sqlite:///path/file.db");
  }
  const boost::urls::url_view& view = *parsed;
  if (view.has_fragment()) {
    return Status::InvalidArgument(
        "a URL without a fragment (#...): no store reads one");
  }
  StoreUrl url;
  url.original = std::string(text);
  std::string scheme = view.scheme();
  Status status;
  if (scheme == "redis") {
    url.kind = StoreUrl::Kind::kRedis;
    status = ParseRedis(view, url);
  } else if (scheme == "postgres" || scheme == "postgresql") {
    url.kind = StoreUrl::Kind::kPostgres;
    status = ParsePostgres(view, url);
  } else if (scheme == "sqlite") {
    url.kind = StoreUrl::Kind::kSqlite;
    status = ParseSqlite(view, url);
  } else {
    return Status::InvalidArgument(
        "the scheme redis://, postgres://, postgresql:// or sqlite:// (got "
        "\"" +
        scheme + "://\")");
  }
  if (!status.ok()) return status;
  return url;
}

}  // namespace twelve
