#include "backing/postgres/openssl_library.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace twelve::backing {
namespace {

TEST(OpensslLibrary, LoadsTheInstalledLibsslWithEveryFunction) {
  Result<Openssl> ossl = LoadOpenssl(kOpensslSoname);
  ASSERT_TRUE(ossl.ok()) << ossl.status().ToString();
#define TWELVE_EXPECT_RESOLVED(name) EXPECT_NE(ossl->name, nullptr) << #name;
  TWELVE_OPENSSL_FUNCTIONS(TWELVE_EXPECT_RESOLVED)
#undef TWELVE_EXPECT_RESOLVED
  // Calls through the table reach libssl, and libcrypto through libssl's
  // handle.
  EXPECT_NE(ossl->TLS_client_method(), nullptr);
  EXPECT_STREQ(ossl->OBJ_nid2sn(NID_sha256), "SHA256");
  EXPECT_NE(ossl->EVP_get_digestbyname("SHA256"), nullptr);
}

TEST(OpensslLibrary, MissingLibraryIsUnavailableSayingWhatToInstall) {
  Result<Openssl> ossl = LoadOpenssl("libssl-twelve-test-missing.so.3");
  ASSERT_FALSE(ossl.ok());
  EXPECT_EQ(ossl.status().code(), StatusCode::kUnavailable);
  const std::string message = ossl.status().message();
  EXPECT_NE(message.find("DATABASE_URL"), std::string::npos) << message;
  EXPECT_NE(message.find("libssl-twelve-test-missing.so.3 cannot be loaded"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("install the Debian package libssl3"),
            std::string::npos)
      << message;
  // dlerror()'s own words.
  EXPECT_NE(message.find("cannot open shared object file"), std::string::npos)
      << message;
}

TEST(OpensslLibrary, LibraryWithoutAFunctionNamesTheFunction) {
  // libcrypto loads, but it is not libssl.
  Result<Openssl> ossl = LoadOpenssl("libcrypto.so.3");
  ASSERT_FALSE(ossl.ok());
  EXPECT_EQ(ossl.status().code(), StatusCode::kUnavailable);
  const std::string message = ossl.status().message();
  EXPECT_NE(message.find("libcrypto.so.3 has no TLS_client_method"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("libssl3"), std::string::npos) << message;
}

TEST(OpensslLibrary, ProcessOpensslLoadsOnceForEveryThread) {
  constexpr int kThreads = 4;
  std::vector<const Openssl*> seen(kThreads, nullptr);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&seen, i] {
      Result<const Openssl*> ossl = ProcessOpenssl();
      if (ossl.ok()) seen[i] = *ossl;
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_NE(seen[0], nullptr);
  for (const Openssl* ossl : seen) EXPECT_EQ(ossl, seen[0]);
  EXPECT_EQ(*ProcessOpenssl(), seen[0]);
}

}  // namespace
}  // namespace twelve::backing
