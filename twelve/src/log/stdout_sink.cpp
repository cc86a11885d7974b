#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "log/write_behind.hpp"
#include "thread_name.hpp"
#include "twelve/log/logger.hpp"

namespace twelve {
namespace {

// Past this much pending output the flusher is woken before max_delay, so a
// burst is written while it happens instead of piling up toward the cap.
// Large enough that a server logging ~150 MB/s of access events wakes it a
// few hundred times a second, not thousands (each wake is a context switch
// on the serving core).
constexpr std::size_t kWakeBytes = 256 * 1024;
// Past this the destination is not keeping up: drop and count rather than
// grow without bound or block the server.
constexpr std::size_t kMaxPendingBytes = 8 * 1024 * 1024;
// A burst may grow a buffer; keep it only up to this size afterwards.
constexpr std::size_t kMaxRetainedBytes = 1024 * 1024;
// A non-blocking descriptor that accepts nothing for this long is treated as
// failed, so shutdown cannot hang on a reader that went away.
constexpr auto kStallLimit = std::chrono::seconds(5);
constexpr int kPollSliceMs = 100;

// Writes as much of `data` as the descriptor takes; returns the bytes written.
// Stops short on EPIPE, ENOSPC and other errors, or after kStallLimit
// without progress on a non-blocking descriptor.
std::size_t WriteAll(int fd, std::string_view data) {
  std::size_t written = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
      last_progress = std::chrono::steady_clock::now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (std::chrono::steady_clock::now() - last_progress > kStallLimit) break;
      pollfd ready{fd, POLLOUT, 0};
      ::poll(&ready, 1, kPollSliceMs);
      continue;
    }
    break;
  }
  return written;
}

// Lines in `text`, counting a last line without its newline.
std::uint64_t LineCount(std::string_view text) {
  const auto newlines = std::count(text.begin(), text.end(), '\n');
  const bool unterminated = !text.empty() && text.back() != '\n';
  return static_cast<std::uint64_t>(newlines) + (unterminated ? 1 : 0);
}

// Restores the calling thread's signal mask when it leaves scope.
class SignalMaskGuard {
 public:
  explicit SignalMaskGuard(const sigset_t& mask) {
    pthread_sigmask(SIG_SETMASK, &mask, &saved_);
  }
  ~SignalMaskGuard() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SignalMaskGuard(const SignalMaskGuard&) = delete;
  SignalMaskGuard& operator=(const SignalMaskGuard&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace

class StdoutSink::Impl {
 public:
  Impl(int fd, std::chrono::milliseconds max_delay)
      : fd_(fd), max_delay_(max_delay), write_behind_(fd) {
    pending_.reserve(2 * kWakeBytes);
    // The flusher starts with every signal blocked: SIGPIPE from its write()
    // is aimed at it and so is never delivered (write() fails with EPIPE
    // even if the process forgot to ignore SIGPIPE), and process signals
    // such as SIGTERM go to threads that handle them.
    sigset_t all;
    sigfillset(&all);
    SignalMaskGuard guard(all);
    flusher_ = std::thread([this] {
      NameThisThread("log-flush");
      Run();
    });
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_flusher_.notify_one();
    flusher_.join();
  }

  void Write(std::string_view lines) {
    if (lines.empty()) return;
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (pending_.size() + lines.size() + 1 > kMaxPendingBytes) {
        dropped_lines_.fetch_add(LineCount(lines), std::memory_order_relaxed);
        return;
      }
      const std::size_t before = pending_.size();
      pending_.append(lines);
      // A line without its newline would corrupt the next one.
      if (lines.back() != '\n') pending_.push_back('\n');
      // Wake the flusher when a batch starts (it sleeps while idle) and when
      // it grows big; any other write costs no syscall.
      wake =
          before == 0 || (before < kWakeBytes && pending_.size() >= kWakeBytes);
    }
    if (wake) wake_flusher_.notify_one();
  }

  void Flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    // Everything written so far is in the batch being written, or in
    // pending_, which the next batch takes whole.
    const std::uint64_t target = batches_taken_ + (pending_.empty() ? 0 : 1);
    if (batches_done_ >= target) return;
    flush_requested_ = true;
    wake_flusher_.notify_one();
    batch_done_.wait(lock, [&] { return batches_done_ >= target; });
  }

  std::uint64_t dropped_lines() const {
    return dropped_lines_.load(std::memory_order_relaxed);
  }

 private:
  void Run() {
    std::string batch;  // swapped with pending_, so both stay warm
    batch.reserve(2 * kWakeBytes);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_flusher_.wait(lock, [&] {
        return stopping_ || flush_requested_ || !pending_.empty();
      });
      // Let the batch gather for up to max_delay after its first line.
      wake_flusher_.wait_for(lock, max_delay_, [&] {
        return stopping_ || flush_requested_ || pending_.size() >= kWakeBytes;
      });
      flush_requested_ = false;
      if (pending_.empty()) {
        if (stopping_) return;
        continue;
      }
      batch.swap(pending_);  // writers keep a warm, empty buffer
      ++batches_taken_;
      lock.unlock();
      WriteBatch(batch);
      lock.lock();
      ++batches_done_;
      batch_done_.notify_all();
    }
  }

  void WriteBatch(std::string& batch) {
    const std::size_t written = WriteAll(fd_, batch);
    write_behind_.Wrote();
    if (written < batch.size()) {
      dropped_lines_.fetch_add(
          LineCount(std::string_view(batch).substr(written)),
          std::memory_order_relaxed);
    }
    batch.clear();
    if (batch.capacity() > kMaxRetainedBytes) {
      batch = std::string();
      batch.reserve(2 * kWakeBytes);
    }
  }

  const int fd_;
  const std::chrono::milliseconds max_delay_;
  std::atomic<std::uint64_t> dropped_lines_{0};
  WriteBehind write_behind_;  // the flusher's only

  std::mutex mutex_;
  std::condition_variable wake_flusher_;
  std::condition_variable batch_done_;
  std::string pending_;              // guarded by mutex_
  std::uint64_t batches_taken_ = 0;  // guarded by mutex_
  std::uint64_t batches_done_ = 0;   // guarded by mutex_
  bool flush_requested_ = false;     // guarded by mutex_
  bool stopping_ = false;            // guarded by mutex_

  std::thread flusher_;  // last: it runs only once the rest exists
};

StdoutSink::StdoutSink(int fd, std::chrono::milliseconds max_delay)
    : impl_(std::make_unique<Impl>(fd, max_delay)) {}

StdoutSink::~StdoutSink() = default;

void StdoutSink::Write(std::string_view lines) { impl_->Write(lines); }

void StdoutSink::Flush() { impl_->Flush(); }

std::uint64_t StdoutSink::dropped_lines() const {
  return impl_->dropped_lines();
}

}  // namespace twelve
