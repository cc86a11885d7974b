#include "http/framing.hpp"

#include <algorithm>
#include <cctype>

namespace twelve::http {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

bool IsChunked(std::string_view coding) {
  // A coding may carry parameters ("chunked;x=y" is not valid for chunked,
  // and is treated as another coding).
  constexpr std::string_view kChunked = "chunked";
  return coding.size() == kChunked.size() &&
         std::equal(coding.begin(), coding.end(), kChunked.begin(),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) == b;
                    });
}

}  // namespace

void AddTransferCodings(std::string_view value, FramingFacts& facts) {
  ++facts.transfer_encoding_headers;
  while (true) {
    std::size_t comma = value.find(',');
    std::string_view coding = Trim(value.substr(0, comma));
    if (coding.empty()) {
      facts.empty_coding = true;
    } else {
      if (facts.last_coding_is_chunked) facts.chunked_before_last = true;
      facts.last_coding_is_chunked = IsChunked(coding);
      if (!facts.last_coding_is_chunked) facts.other_codings = true;
      ++facts.transfer_codings;
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

FramingVerdict ValidateFraming(const FramingFacts& facts) {
  if (facts.version == 11 && facts.host_headers == 0) {
    return {400, "missing Host header"};
  }
  if (facts.host_headers > 1) return {400, "more than one Host header"};
  if (facts.content_length_headers > 1) {
    return {400, "more than one Content-Length header"};
  }
  if (facts.transfer_encoding_headers == 0) return {};
  if (facts.version == 10) {
    return {400, "Transfer-Encoding is not allowed in HTTP/1.0"};
  }
  if (facts.content_length_headers > 0) {
    return {400, "both Transfer-Encoding and Content-Length"};
  }
  if (facts.empty_coding || facts.transfer_codings == 0) {
    return {400, "empty transfer coding"};
  }
  if (!facts.last_coding_is_chunked || facts.chunked_before_last) {
    return {400, "the final transfer coding is not chunked"};
  }
  if (facts.other_codings) {
    return {501, "transfer codings other than chunked are not supported"};
  }
  return {};
}

}  // namespace twelve::http
