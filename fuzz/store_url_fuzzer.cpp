// Fuzz target (d): store URLs (twelve/backing/store_url.hpp), and through them
// the PostgreSQL driver's reading of its parameters (postgres_settings.hpp) and
// MaskUrlPassword(). The input is the URL text.
//
// Invariants, beyond the sanitizers: a refused URL gets kInvalidArgument
// saying what was expected; an accepted one has a host and a port (Redis,
// PostgreSQL) or an absolute file path (SQLite), and PostgreSQL's
// parameters read again the same way; neither the masked URL nor any error
// depends on the password (fuzz/other_password.hpp).

#include <cstdint>
#include <string>
#include <string_view>

#include "backing/postgres/postgres_settings.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/other_password.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/config/settings.hpp"

namespace twelve::fuzz {
namespace {

// What a caller of ParseStoreUrl() may show: the error, or the masked URL.
std::string Shown(const Result<StoreUrl>& url) {
  return url.ok() ? "ok " + url->Masked() : "error " + url.status().message();
}

void CheckAccepted(const StoreUrl& url) {
  if (url.kind == StoreUrl::Kind::kSqlite) {
    Require(url.path.size() >= 2 && url.path.front() == '/' &&
                url.path.back() != '/',
            "an SQLite URL names an absolute file");
    return;
  }
  Require(!url.host.empty() && url.port != 0, "a URL has a host and port");
  if (url.kind == StoreUrl::Kind::kPostgres) {
    Require(backing::PostgresSettingsOf(url).ok(),
            "an accepted PostgreSQL URL carries the driver's settings");
  } else {
    Require(url.database >= 0 && url.database <= 1'000'000,
            "a Redis database number is in range");
  }
}

void Check(std::string_view text) {
  Result<StoreUrl> url = ParseStoreUrl(text);
  if (url.ok()) {
    CheckAccepted(*url);
    Require(url->original == text, "the URL keeps its text");
  } else {
    // What was expected, phrased to follow "expected" (store_url.hpp).
    const std::string message = url.status().message();
    Require(url.status().code() == StatusCode::kInvalidArgument &&
                !message.empty() && !message.starts_with("expected"),
            "a refused URL says what was expected, once");
  }
  if (auto other = WithOtherPassword(text)) {
    Require(Shown(url) == Shown(ParseStoreUrl(*other)),
            "nothing shown of a URL depends on its password");
    Require(MaskUrlPassword(text) == MaskUrlPassword(*other),
            "the masked URL does not depend on the password");
  }
}

}  // namespace
}  // namespace twelve::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  twelve::fuzz::Check(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
