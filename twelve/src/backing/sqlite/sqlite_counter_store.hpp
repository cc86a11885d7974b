#pragma once
// The SQLite driver of CounterStore: the embedded store, one database file
// that several local processes may share and still count exactly.
//
// SQLite blocks, so it runs on a thread of its own (one per store), never on
// an I/O thread: a call enqueues a job, and the thread runs every job queued
// so far in one write transaction (one lock and one WAL append for N visits),
// then posts each result back to the loop the call came from. Processes
// sharing the file take turns on the write lock (BEGIN IMMEDIATE), each
// waiting at most STORE_TIMEOUT for it.
//
// Failures: a full queue, a closed store or a database that cannot be opened
// → kUnavailable at once; a job that waited longer than STORE_TIMEOUT, or a
// lock not got in time → kTimeout; a disk error → kUnavailable. A failed
// transaction is rolled back, so none of these is ever kAmbiguous. A missing
// `counters` table → kInternal (run the migrate task).

#include <memory>

#include "twelve/backing/counter_store.hpp"
#include "twelve/backing/store_url.hpp"
#include "twelve/log/logger.hpp"

namespace twelve::backing {

// Opens the SQLite database at `url.path` (an absolute path; its directory
// must exist) on a thread of its own. Returns at once; while the file cannot
// be opened the store is not ready and retries with backoff. `log` is copied;
// its sink must outlive the store. `loops` must outlive Close().
std::unique_ptr<CounterStore> NewSqliteCounterStore(const StoreUrl& url,
                                                    const StoreOptions& options,
                                                    EventLoops& loops,
                                                    const Logger& log);

}  // namespace twelve::backing
