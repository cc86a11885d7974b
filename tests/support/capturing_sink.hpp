#pragma once
// CapturingSink: a LogSink for tests that keeps every line, to assert on the
// events a component logs and on the secrets it must not log.

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/log.hpp"

namespace twelve::test_support {

class CapturingSink final : public LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }
  void Flush() override {}

  std::vector<std::string> Lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  // The lines that contain `text`.
  std::vector<std::string> Lines(std::string_view text) const {
    std::vector<std::string> out;
    for (std::string& line : Lines()) {
      if (line.find(text) != std::string::npos) out.push_back(std::move(line));
    }
    return out;
  }
  int Count(std::string_view text) const {
    return static_cast<int>(Lines(text).size());
  }
  // Every line, concatenated.
  std::string All() const {
    std::string all;
    for (const std::string& line : Lines()) all += line;
    return all;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace twelve::test_support
