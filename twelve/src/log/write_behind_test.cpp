#include "log/write_behind.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace twelve {
namespace {

constexpr std::size_t kChunk = 256 * 1024;  // a busy sink's batch

// An O_APPEND log file in the temp dir, removed at the end.
class LogFile {
 public:
  LogFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/write_behind.XXXXXX";
    const int fd = mkstemp(path_.data());
    EXPECT_GE(fd, 0);
    close(fd);
    fd_ = open(path_.c_str(), O_WRONLY | O_APPEND);
  }
  ~LogFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  bool OnTmpfs() const {
    struct statfs fs {};
    return statfs(path_.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
  }
  void Append(WriteBehind& behind, std::int64_t bytes) {
    const std::string chunk(kChunk, 'x');
    for (std::int64_t done = 0; done < bytes; done += kChunk) {
      ASSERT_EQ(write(fd_, chunk.data(), chunk.size()),
                static_cast<ssize_t>(chunk.size()));
      behind.Wrote();
    }
  }
  std::int64_t Size() const {
    struct stat st {};
    fstat(fd_, &st);
    return st.st_size;
  }
  // Fraction of the pages of [from, to) that are in the page cache.
  double Resident(std::int64_t from, std::int64_t to) const {
    const int fd = open(path_.c_str(), O_RDONLY);
    void* map = mmap(nullptr, static_cast<std::size_t>(to), PROT_READ,
                     MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return -1;
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> pages(static_cast<std::size_t>(to) / page);
    mincore(map, static_cast<std::size_t>(to), pages.data());
    munmap(map, static_cast<std::size_t>(to));
    std::size_t first = static_cast<std::size_t>(from) / page;
    std::size_t in = 0;
    for (std::size_t i = first; i < pages.size(); ++i) in += pages[i] & 1;
    return static_cast<double>(in) / static_cast<double>(pages.size() - first);
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(WriteBehind, LeavesPipesAlone) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  WriteBehind behind(fds[1]);
  EXPECT_FALSE(behind.active());
  behind.Wrote();  // a no-op, not an error
  close(fds[0]);
  close(fds[1]);
}

TEST(WriteBehind, KeepsOnlyTheTailOfTheLogInThePageCache) {
  LogFile log;
  if (log.OnTmpfs()) GTEST_SKIP() << "tmpfs pages cannot leave the cache";
  WriteBehind behind(log.fd());
  ASSERT_TRUE(behind.active());
  const std::int64_t total = 3 * WriteBehind::kLagBytes;
  log.Append(behind, total);
  EXPECT_EQ(log.Size(), total) << "every byte written";
  const std::int64_t behind_tail = total - 2 * WriteBehind::kLagBytes;
  EXPECT_LT(log.Resident(0, behind_tail), 0.1) << "dropped once on disk";
}

TEST(WriteBehind, StartsOverWhenTheFileIsTruncated) {
  LogFile log;
  if (log.OnTmpfs()) GTEST_SKIP() << "tmpfs pages cannot leave the cache";
  WriteBehind behind(log.fd());
  log.Append(behind, 2 * WriteBehind::kLagBytes);
  ASSERT_EQ(ftruncate(log.fd(), 0), 0);  // copytruncate rotation
  const std::int64_t total = 3 * WriteBehind::kLagBytes;
  log.Append(behind, total);
  EXPECT_EQ(log.Size(), total);
  EXPECT_TRUE(behind.active());
  EXPECT_LT(log.Resident(0, total - 2 * WriteBehind::kLagBytes), 0.1);
}

}  // namespace
}  // namespace twelve
