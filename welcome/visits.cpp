#include "visits.hpp"

namespace welcome {

std::string Visits::Greeting(std::int64_t count) {
  return "Welcome to KODEKLOUD! Visitor Count: " + std::to_string(count);
}

}  // namespace welcome
