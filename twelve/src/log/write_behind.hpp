#pragma once
// WriteBehind: keeps a log that stdout appends to a regular file from piling
// up in the page cache.
//
// A log file is written once and not read back by the server. Left to the
// kernel, every byte of it stays in the page cache as dirty pages until
// writeback (30 s later by default) and as cached pages after that, so a
// server logging 150 MB/s of access events holds gigabytes of memory it
// never reads, and each write lands on a page the kernel must find fresh.
// On the bench machine (a VM, where fresh pages are dear) appending 1.6 GB
// in 256 KiB writes cost 3-4 s of CPU, more as the cache grew; with
// write-behind, 0.6 s. See docs/performance.md.
//
// So, as RocksDB's bytes_per_sync and PostgreSQL's WAL writer do: every
// kStartBytes appended, start writeback of them (sync_file_range, which does
// not wait), and drop from the cache what lies more than kLagBytes behind the
// end once it is on disk (posix_fadvise DONTNEED, after waiting for that
// range's writeback, which by then is normally done). The cache keeps about
// kLagBytes of the log, the disk gets the same bytes as before, only sooner.
//
// Inactive for pipes, terminals and sockets (journald, docker, kubectl logs),
// and after any error: it only ever advises the kernel, never fails a write.
// Not thread-safe: used by the sink's one flusher thread.

#include <sys/types.h>

#include <cstdint>

namespace twelve {

class WriteBehind {
 public:
  static constexpr std::int64_t kStartBytes = 4 << 20;
  static constexpr std::int64_t kLagBytes = 16 << 20;

  // Active when `fd` is a regular file.
  explicit WriteBehind(int fd);

  bool active() const { return active_; }
  // Call after each write to the descriptor.
  void Wrote();

 private:
  void StartWriteback(off_t end);
  void DropBehind(off_t end);

  const int fd_;
  bool active_ = false;
  off_t started_ = 0;  // writeback was started for [0, started_)
  off_t dropped_ = 0;  // [0, dropped_) was dropped from the cache
};

}  // namespace twelve
