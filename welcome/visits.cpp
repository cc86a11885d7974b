#include "visits.hpp"

#include <charconv>
#include <iterator>
#include <limits>

namespace welcome {

// Written on the stack and copied once into the string (one allocation):
// this runs once per visit.
std::string Visits::Greeting(std::int64_t count) {
  constexpr std::string_view kPrefix = "Welcome to KODEKLOUD! Visitor Count: ";
  constexpr std::size_t kMaxDigits =
      std::numeric_limits<std::int64_t>::digits10 + 2;
  char text[kPrefix.size() + kMaxDigits];
  kPrefix.copy(text, kPrefix.size());
  char* end = std::to_chars(text + kPrefix.size(), std::end(text), count).ptr;
  return std::string(text, end);
}

}  // namespace welcome
