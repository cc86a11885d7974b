#include "http/http_version.hpp"

namespace twelve::http {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string_view VersionOf(std::string_view line) {
  std::size_t first = line.find(' ');
  if (first == std::string_view::npos) return {};
  std::size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return {};
  return line.substr(second + 1, 10);
}

bool IsWellFormedVersion(std::string_view version) {
  if (version.size() < 8 || !version.starts_with("HTTP/") ||
      !IsDigit(version[5]) || version[6] != '.' || !IsDigit(version[7])) {
    return false;
  }
  return std::string_view("\r\n").starts_with(version.substr(8));
}

bool IsHigherMinorVersion(std::string_view version) {
  return IsWellFormedVersion(version) && version[5] == '1' && version[7] >= '2';
}

}  // namespace twelve::http
