#include "thread_name.hpp"

#include <pthread.h>

#include <algorithm>
#include <array>

namespace twelve {

void NameThisThread(std::string_view name) {
  std::array<char, kMaxThreadNameBytes + 1> text{};
  const std::size_t size = std::min(name.size(), kMaxThreadNameBytes);
  std::copy_n(name.data(), size, text.data());
  ::pthread_setname_np(::pthread_self(), text.data());
}

std::string ThisThreadName() {
  std::array<char, kMaxThreadNameBytes + 1> text{};
  if (::pthread_getname_np(::pthread_self(), text.data(), text.size()) != 0) {
    return {};
  }
  return text.data();
}

}  // namespace twelve
