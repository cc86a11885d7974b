#pragma once
// A differential check for secrets: the same URL with another password of
// the same length. Whatever the code shows of a URL (its masked form, an
// error about it) must then come out byte for byte the same: if it differs,
// the password, or something derived from it, was shown.

#include <boost/url/parse.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace twelve::fuzz {

// `url` with its password (as Boost.URL reads it) replaced by as many 'x'
// (or 'y', if it was all 'x'), which keeps the URL valid; nullopt when
// `url` is no URL or has no password.
inline std::optional<std::string> WithOtherPassword(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !parsed->has_password()) return std::nullopt;
  std::string_view password = parsed->encoded_password();
  if (password.empty()) return std::nullopt;
  const char* begin = password.data();
  if (begin < url.data() || begin + password.size() > url.data() + url.size()) {
    return std::nullopt;  // not a view of `url`
  }
  char other =
      password.find_first_not_of('x') == std::string_view::npos ? 'y' : 'x';
  std::string changed(url);
  changed.replace(static_cast<std::size_t>(begin - url.data()), password.size(),
                  password.size(), other);
  return changed;
}

}  // namespace twelve::fuzz
