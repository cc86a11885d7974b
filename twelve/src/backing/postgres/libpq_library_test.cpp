#include "backing/postgres/libpq_library.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace twelve::backing {
namespace {

TEST(LibpqLibrary, LoadsTheInstalledLibpqWithEveryFunction) {
  Result<Libpq> pq = LoadLibpq(kLibpqSoname);
  ASSERT_TRUE(pq.ok()) << pq.status().ToString();
#define TWELVE_EXPECT_RESOLVED(name) EXPECT_NE(pq->name, nullptr) << #name;
  TWELVE_LIBPQ_FUNCTIONS(TWELVE_EXPECT_RESOLVED)
#undef TWELVE_EXPECT_RESOLVED
  // A call through the table reaches libpq (which answers BAD for no
  // connection at all).
  EXPECT_EQ(pq->PQstatus(nullptr), CONNECTION_BAD);
}

TEST(LibpqLibrary, MissingLibraryIsUnavailableSayingWhatToInstall) {
  Result<Libpq> pq = LoadLibpq("libpq-twelve-test-missing.so.5");
  ASSERT_FALSE(pq.ok());
  EXPECT_EQ(pq.status().code(), StatusCode::kUnavailable);
  const std::string message = pq.status().message();
  EXPECT_NE(message.find("DATABASE_URL"), std::string::npos) << message;
  EXPECT_NE(message.find("libpq-twelve-test-missing.so.5 cannot be loaded"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("install the Debian package libpq5"),
            std::string::npos)
      << message;
  // dlerror()'s own words.
  EXPECT_NE(message.find("cannot open shared object file"), std::string::npos)
      << message;
}

TEST(LibpqLibrary, LibraryWithoutAFunctionNamesTheFunction) {
  // libc loads, but it is not libpq.
  Result<Libpq> pq = LoadLibpq("libc.so.6");
  ASSERT_FALSE(pq.ok());
  EXPECT_EQ(pq.status().code(), StatusCode::kUnavailable);
  const std::string message = pq.status().message();
  EXPECT_NE(message.find("libc.so.6 has no PQconnectStartParams"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("libpq5"), std::string::npos) << message;
}

TEST(LibpqLibrary, ProcessLibpqLoadsOnceForEveryThread) {
  constexpr int kThreads = 4;
  std::vector<const Libpq*> seen(kThreads, nullptr);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&seen, i] {
      Result<const Libpq*> pq = ProcessLibpq();
      if (pq.ok()) seen[i] = *pq;
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_NE(seen[0], nullptr);
  for (const Libpq* pq : seen) EXPECT_EQ(pq, seen[0]);
  EXPECT_EQ(*ProcessLibpq(), seen[0]);
}

}  // namespace
}  // namespace twelve::backing
