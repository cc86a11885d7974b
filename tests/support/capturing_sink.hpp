#pragma once
// CapturingSink: a LogSink for tests that keeps every line, to assert on the
// events a component logs and on the secrets it must not log.

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "twelve/log/logger.hpp"

namespace twelve::test_support {

class CapturingSink final : public LogSink {
 public:
  // Keeps each line of `lines` (a sink may receive several at once).
  void Write(std::string_view lines) override {
    std::lock_guard lock(mutex_);
    while (!lines.empty()) {
      const std::size_t end = std::min(lines.find('\n'), lines.size() - 1);
      lines_.emplace_back(lines.substr(0, end + 1));
      lines.remove_prefix(end + 1);
    }
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
