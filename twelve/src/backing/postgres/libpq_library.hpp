#pragma once
// Libpq: the libpq functions the PostgreSQL driver calls, loaded with
// dlopen() when a PostgreSQL URL is attached instead of linked.
//
// Why: libpq brings libssl, libcrypto, GnuTLS (through LDAP), Kerberos and
// p11-kit. Linked, they are mapped and relocated at exec by every process,
// about 4.5 MiB of resident memory whichever store is attached; loaded on
// demand, only a process that attaches PostgreSQL pays for them.
//
// Every pointer is typed from libpq-fe.h itself (decltype(&::PQclear)), so
// the compiler checks each call as if libpq were linked. The binaries do
// not link libpq, so a direct PQ* call left somewhere fails to link.
//
// Threading: a Libpq is immutable; use it from any thread. LoadLibpq may be
// called from any thread; ProcessLibpq loads once per process.

#include <libpq-fe.h>

#include "twelve/status.hpp"

namespace twelve::backing {

// libpq's SONAME (its ABI since PostgreSQL 8.2), shipped by Debian's libpq5.
inline constexpr const char* kLibpqSoname = "libpq.so.5";

// Every libpq function the driver calls, in one list, so that none can be
// added to the table without being resolved: the table and the loader are
// both expanded from it.
#define TWELVE_LIBPQ_FUNCTIONS(X) \
  X(PQconnectStartParams)         \
  X(PQconnectPoll)                \
  X(PQstatus)                     \
  X(PQsocket)                     \
  X(PQerrorMessage)               \
  X(PQsetNoticeProcessor)         \
  X(PQsetnonblocking)             \
  X(PQenterPipelineMode)          \
  X(PQfinish)                     \
  X(PQsendQuery)                  \
  X(PQsendQueryParams)            \
  X(PQsendPrepare)                \
  X(PQsendQueryPrepared)          \
  X(PQpipelineSync)               \
  X(PQflush)                      \
  X(PQconsumeInput)               \
  X(PQisBusy)                     \
  X(PQgetResult)                  \
  X(PQresultStatus)               \
  X(PQresultErrorMessage)         \
  X(PQresultErrorField)           \
  X(PQntuples)                    \
  X(PQgetvalue)                   \
  X(PQgetlength)                  \
  X(PQclear)

// Named as libpq names them, so that `pq.PQconnectPoll(conn)` reads like
// the libpq manual.
// NOLINTBEGIN(readability-identifier-naming)
struct Libpq {
// `name` is a declarator here, which parentheses would not improve.
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define TWELVE_LIBPQ_POINTER(name) decltype(&::name) name = nullptr;
  TWELVE_LIBPQ_FUNCTIONS(TWELVE_LIBPQ_POINTER)
#undef TWELVE_LIBPQ_POINTER
};
// NOLINTEND(readability-identifier-naming)

// dlopen()s `library` (RTLD_NOW | RTLD_LOCAL) and resolves every function
// of the table. kUnavailable when the library cannot be loaded or lacks a
// function; the message names DATABASE_URL, the library, the Debian package
// to install and dlerror()'s reason. A library that resolved stays loaded
// for the life of the process; one that did not is closed again.
Result<Libpq> LoadLibpq(const char* library);

// The process's libpq (kLibpqSoname): the first call loads it, concurrent
// first calls wait for that one, and every call returns the same table or
// the same failure.
Result<const Libpq*> ProcessLibpq();

}  // namespace twelve::backing
