#pragma once
// Percent-decoding (RFC 3986 section 2.1) of path segments and query
// strings, shared by the router and Request::QueryParam.

#include <string>
#include <string_view>

namespace twelve {

enum class PlusIs { kPlus, kSpace };

// Appends `text` decoded to `out`: "%41" becomes 'A' (either case of hex
// digit), and '+' a space when `plus` is kSpace (form encoding, query strings
// only). Returns false on a malformed escape ('%' not followed by two hex
// digits); `out` then holds the part decoded before it.
bool AppendPercentDecoded(std::string_view text, PlusIs plus, std::string& out);

}  // namespace twelve
