#include "log/write_behind.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace twelve {
namespace {

constexpr off_t kPageSize = 4096;

}  // namespace

WriteBehind::WriteBehind(int fd) : fd_(fd) {
  struct stat st {};
  active_ = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

void WriteBehind::Wrote() {
  if (!active_) return;
  const off_t end = lseek(fd_, 0, SEEK_CUR);
  if (end < 0) {
    active_ = false;
    return;
  }
  if (end < started_) {  // truncated under us (copytruncate rotation)
    started_ = 0;
    dropped_ = 0;
  }
  if (end - started_ >= kStartBytes) StartWriteback(end);
  DropBehind(end);
}

void WriteBehind::StartWriteback(off_t end) {
  if (sync_file_range(fd_, started_, end - started_, SYNC_FILE_RANGE_WRITE) !=
      0) {
    active_ = false;  // a file system without it: leave it all to the kernel
    return;
  }
  started_ = end;
}

void WriteBehind::DropBehind(off_t end) {
  // Whole pages only, and only what writeback was started for.
  const off_t target =
      std::min(end - kLagBytes, started_) / kPageSize * kPageSize;
  if (!active_ || target <= dropped_) return;
  const off_t length = target - dropped_;
  constexpr unsigned kWaitForDisk = SYNC_FILE_RANGE_WAIT_BEFORE |
                                    SYNC_FILE_RANGE_WRITE |
                                    SYNC_FILE_RANGE_WAIT_AFTER;
  if (sync_file_range(fd_, dropped_, length, kWaitForDisk) != 0) {
    active_ = false;
    return;
  }
  posix_fadvise(fd_, dropped_, length, POSIX_FADV_DONTNEED);
  dropped_ = target;
}

}  // namespace twelve
