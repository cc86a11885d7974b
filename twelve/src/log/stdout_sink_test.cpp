#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "twelve/log/logger.hpp"

namespace twelve {
namespace {

using namespace std::chrono_literals;

// Long enough that only Flush() or the destructor can be what wrote a line.
constexpr auto kNever = std::chrono::hours(1);

class Pipe {
 public:
  Pipe() { EXPECT_EQ(pipe(fds_), 0); }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void CloseRead() { Close(fds_[0]); }
  void CloseWrite() { Close(fds_[1]); }

 private:
  static void Close(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  int fds_[2] = {-1, -1};
};

// Reads a descriptor on its own thread until end of file, so the writer never
// stalls on a full pipe.
class Drain {
 public:
  explicit Drain(int fd) : thread_([this, fd] { Run(fd); }) {}
  ~Drain() {
    if (thread_.joinable()) thread_.join();
  }
  std::string Join() {
    thread_.join();
    return data_;
  }

 private:
  void Run(int fd) {
    char buffer[1 << 16];
    for (;;) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      data_.append(buffer, static_cast<std::size_t>(n));
    }
  }
  std::string data_;
  std::thread thread_;  // last: starts once the rest exists
};

// A regular file: after Flush() its contents are exactly what was written.
class TempFile {
 public:
  TempFile() : file_(std::tmpfile()) { EXPECT_NE(file_, nullptr); }
  ~TempFile() { std::fclose(file_); }
  int fd() const { return fileno(file_); }
  std::string Contents() const {
    std::string data;
    char buffer[1 << 16];
    for (off_t offset = 0;;) {
      const ssize_t n = pread(fd(), buffer, sizeof buffer, offset);
      if (n <= 0) return data;
      data.append(buffer, static_cast<std::size_t>(n));
      offset += n;
    }
  }

 private:
  std::FILE* file_;
};

std::string NumberedLine(int n) { return "line " + std::to_string(n) + "\n"; }

std::vector<std::string> SplitLines(const std::string& data) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = data.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(data.substr(start, end - start));
  }
  EXPECT_EQ(start, data.size()) << "output ends in a partial line";
  return lines;
}

TEST(StdoutSink, DeliversLinesWithinMaxDelayWithoutFlush) {
  Pipe pipe;
  StdoutSink sink(pipe.write_fd(), 50ms);
  const std::string expected = NumberedLine(1) + NumberedLine(2);
  sink.Write(NumberedLine(1));
  sink.Write(NumberedLine(2));

  // The bound is generous because the machine is noisy; the point is that
  // the lines arrive while nobody calls Flush().
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  std::string received;
  while (received.size() < expected.size() &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd readable{pipe.read_fd(), POLLIN, 0};
    if (poll(&readable, 1, 100) != 1) continue;
    char buffer[256];
    const ssize_t n = read(pipe.read_fd(), buffer, sizeof buffer);
    if (n > 0) received.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(received, expected);
}

TEST(StdoutSink, FlushDeliversEverythingWrittenBefore) {
  TempFile file;
  StdoutSink sink(file.fd(), kNever);
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    sink.Write(NumberedLine(i));
    expected += NumberedLine(i);
  }
  sink.Flush();
  EXPECT_EQ(file.Contents(), expected);
  sink.Flush();  // nothing pending: returns at once
  EXPECT_EQ(file.Contents(), expected);
}

TEST(StdoutSink, FlushWorksFromSeveralThreadsAtOnce) {
  TempFile file;
  StdoutSink sink(file.fd(), kNever);
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<int> missing(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const std::string line = "thread " + std::to_string(t) + " round " +
                                 std::to_string(round) + "\n";
        sink.Write(line);
        sink.Flush();
        if (file.Contents().find(line) == std::string::npos) ++missing[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(missing[t], 0) << "thread " << t;
  EXPECT_EQ(SplitLines(file.Contents()).size(), 8u * 20u);
}

TEST(StdoutSink, DestructorDeliversEverything) {
  TempFile file;
  std::string expected;
  {
    StdoutSink sink(file.fd(), kNever);
    for (int i = 0; i < 1000; ++i) {
      sink.Write(NumberedLine(i));
      expected += NumberedLine(i);
    }
  }
  EXPECT_EQ(file.Contents(), expected);
}

TEST(StdoutSink, EndsALineMissingItsNewline) {
  TempFile file;
  {
    StdoutSink sink(file.fd(), kNever);
    sink.Write("no newline");
    sink.Write("");
    sink.Write("next\n");
  }
  EXPECT_EQ(file.Contents(), "no newline\nnext\n");
}

// Each line carries its thread, its sequence number and a body whose length
// and letter follow from both, so a torn or interleaved line is detectable.
// Some lines exceed PIPE_BUF; the total stays under the sink's 8 MiB cap so
// that nothing may be dropped.
std::string ThreadLine(int thread, int seq) {
  const std::size_t length =
      seq % 500 == 0 ? 5000 : static_cast<std::size_t>((seq * 37) % 600);
  return std::to_string(thread) + " " + std::to_string(seq) + " " +
         std::string(length, static_cast<char>('a' + (thread + seq) % 26)) +
         "\n";
}

TEST(StdoutSink, KeepsLinesWholeAndInOrderAcrossThreads) {
  constexpr int kThreads = 6;
  constexpr int kLinesPerThread = 2000;
  Pipe pipe;
  Drain drain(pipe.read_fd());
  {
    StdoutSink sink(pipe.write_fd(), 5ms);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&sink, t] {
        for (int i = 0; i < kLinesPerThread; ++i) sink.Write(ThreadLine(t, i));
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(sink.dropped_lines(), 0u);
  }
  pipe.CloseWrite();
  const std::vector<std::string> lines = SplitLines(drain.Join());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesPerThread));
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : lines) {
    const int t = std::stoi(line);
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    ASSERT_EQ(line + "\n", ThreadLine(t, next[t])) << "thread " << t;
    ++next[t];
  }
}

TEST(StdoutSink, ClosedReaderCountsDropsAndDoesNotHang) {
  // No SIG_IGN here on purpose: the flusher must survive EPIPE even in a
  // process that did not ignore SIGPIPE.
  Pipe pipe;
  pipe.CloseRead();
  StdoutSink sink(pipe.write_fd(), 5ms);
  for (int i = 0; i < 10; ++i) sink.Write(NumberedLine(i));
  sink.Flush();
  EXPECT_EQ(sink.dropped_lines(), 10u);
  sink.Write(NumberedLine(10));
  sink.Flush();
  EXPECT_EQ(sink.dropped_lines(), 11u);
}

TEST(StdoutSink, DropsAndCountsLinesBeyondItsBufferCap) {
  // Nobody reads at first, so the flusher blocks on a full pipe: at most one
  // batch in flight plus an 8 MiB pending buffer can be held, so 24 MiB of
  // lines must overflow it without blocking this thread.
  constexpr int kLines = 24 * 1024;
  const std::string line = std::string(1023, 'x') + "\n";
  Pipe pipe;
  std::uint64_t dropped = 0;
  std::string received;
  {
    StdoutSink sink(pipe.write_fd(), 5ms);
    for (int i = 0; i < kLines; ++i) sink.Write(line);
    EXPECT_GT(sink.dropped_lines(), 0u);
    Drain drain(pipe.read_fd());
    sink.Flush();
    dropped = sink.dropped_lines();
    pipe.CloseWrite();
    received = drain.Join();
  }
  const std::vector<std::string> lines = SplitLines(received);
  EXPECT_EQ(lines.size() + dropped, static_cast<std::size_t>(kLines));
  for (const std::string& got : lines) ASSERT_EQ(got + "\n", line);
}

TEST(StdoutSink, WaitsOutANonBlockingDescriptor) {
  // EAGAIN and partial writes: 1 MiB into a 64 KiB pipe nobody reads yet.
  Pipe pipe;
  ASSERT_EQ(fcntl(pipe.write_fd(), F_SETFL, O_NONBLOCK), 0);
  std::string expected;
  std::string received;
  {
    StdoutSink sink(pipe.write_fd(), 5ms);
    for (int i = 0; expected.size() < (1u << 20); ++i) {
      const std::string line = NumberedLine(i) + std::string(200, 'y') + "\n";
      sink.Write(line);
      expected += line;
    }
    std::this_thread::sleep_for(200ms);
    Drain drain(pipe.read_fd());
    sink.Flush();
    EXPECT_EQ(sink.dropped_lines(), 0u);
    pipe.CloseWrite();
    received = drain.Join();
  }
  EXPECT_EQ(received, expected);
}

TEST(StdoutSink, BatchesABurstIntoFewWrites) {
  // A SOCK_SEQPACKET socket keeps the boundary of every write(), so the
  // number of messages read is the number of write syscalls made.
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
  constexpr int kLines = 1000;
  int messages = 0;
  std::string received;
  std::thread reader([&] {
    std::vector<char> buffer(1 << 20);
    for (;;) {
      const ssize_t n = recv(fds[1], buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      received.append(buffer.data(), static_cast<std::size_t>(n));
      ++messages;
    }
  });
  std::string expected;
  {
    StdoutSink sink(fds[0], 200ms);
    for (int i = 0; i < kLines; ++i) {
      sink.Write(NumberedLine(i));
      expected += NumberedLine(i);
    }
  }
  shutdown(fds[0], SHUT_WR);
  reader.join();
  close(fds[0]);
  close(fds[1]);
  EXPECT_EQ(received, expected);
  EXPECT_LT(messages, kLines / 10);
}

}  // namespace
}  // namespace twelve
