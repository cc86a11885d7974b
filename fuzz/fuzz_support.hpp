#pragma once
// What every fuzz target shares: a failed invariant stops the run like a
// sanitizer report does, and the input is cut into pieces the way a network
// would deliver it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace twelve::fuzz {

// An invariant the code under test broke: print what and abort, so that
// libFuzzer keeps the input as a crash artifact.
[[noreturn]] inline void Fail(std::string_view what) {
  std::fprintf(stderr, "\n==fuzz== invariant broken: %.*s\n",
               static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void Require(bool holds, std::string_view what) {
  if (!holds) Fail(what);
}

// Cuts a byte stream into pieces, as TCP may deliver it. The first byte of
// a fuzz input picks the shape (its low two bits) and seeds the sizes (the
// rest), so that libFuzzer explores splits and contents together:
//   0: all at once; 1: one byte at a time (only the first kMaxSingles bytes,
//   then all at once); 2: pieces of 1-16 bytes; 3: pieces of 1-512 bytes.
class Splitter {
 public:
  explicit Splitter(std::uint8_t seed)
      : shape_(seed & 3), state_(0x9e3779b9u ^ (seed * 0x01000193u)) {}

  std::vector<std::string_view> Cut(std::string_view bytes) {
    std::vector<std::string_view> pieces;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
      std::size_t size = NextSize(offset, bytes.size() - offset);
      pieces.push_back(bytes.substr(offset, size));
      offset += size;
    }
    return pieces;
  }

 private:
  static constexpr std::size_t kMaxSingles = 256;

  std::size_t NextSize(std::size_t offset, std::size_t left) {
    std::size_t size = left;
    switch (shape_) {
      case 1:
        size = offset < kMaxSingles ? 1 : left;
        break;
      case 2:
        size = 1 + Next() % 16;
        break;
      case 3:
        size = 1 + Next() % 512;
        break;
      default:
        break;
    }
    return size < left ? size : left;
  }

  // xorshift32: the same input always gives the same pieces.
  std::uint32_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }

  int shape_;
  std::uint32_t state_;
};

// Occurrences of `needle` in `haystack`, overlapping ones included.
inline std::size_t CountOf(std::string_view haystack, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace twelve::fuzz
