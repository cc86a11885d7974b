#include "backing/postgres/postgres_auth.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace twelve::backing::pg {
namespace {

// RFC 7677 section 3.
constexpr char kPassword[] = "pencil";
constexpr char kClientNonce[] = "rOprNGfwEbeRWgbNEkqO";
constexpr char kServerFirst[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr char kServerNonce[] =
    "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr char kRfcServerFinal[] =
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

// The 32 bytes 0x00..0x1f, standing in for a certificate hash.
std::string ChannelBinding() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

std::string ServerFirst(std::string salt, std::string iterations) {
  return std::string("r=") + kServerNonce + ",s=" + salt + ",i=" + iterations;
}

// The error message of a server-first-message that must be refused.
std::string ServerFirstError(const std::string& server_first) {
  ScramSha256 scram(kPassword, kClientNonce);
  Result<std::string> final_message = scram.ClientFinalMessage(server_first);
  EXPECT_FALSE(final_message.ok()) << server_first;
  if (final_message.ok()) return {};
  EXPECT_EQ(final_message.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(final_message.status().message().rfind("postgres: SCRAM ", 0), 0u)
      << final_message.status().message();
  EXPECT_EQ(final_message.status().message().find(kPassword),
            std::string::npos);
  return final_message.status().message();
}

// The error message for a server-final-message after the RFC exchange.
std::string ServerFinalError(const std::string& server_final) {
  ScramSha256 scram(kPassword, kClientNonce, {}, "user");
  EXPECT_TRUE(scram.ClientFinalMessage(kServerFirst).ok());
  Status status = scram.VerifyServerFinal(server_final);
  EXPECT_FALSE(status.ok()) << server_final;
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message().rfind("postgres: SCRAM ", 0), 0u)
      << status.message();
  EXPECT_EQ(status.message().find(kPassword), std::string::npos);
  return status.message();
}

TEST(Md5PasswordResponse, MatchesIndependentComputation) {
  // python3: "md5" + md5(md5(b"secret" + b"postgres").hexdigest().encode()
  //                      + b"\x01\x02\xff\x00").hexdigest()
  EXPECT_EQ(Md5PasswordResponse("postgres", "secret",
                                std::string("\x01\x02\xff\x00", 4)),
            "md5b92ed13c38bd06ec324cd4e23dc4c67c");
}

TEST(ScramSha256, Rfc7677ExchangeEndToEnd) {
  ScramSha256 scram(kPassword, kClientNonce, {}, "user");
  EXPECT_EQ(scram.mechanism(), "SCRAM-SHA-256");
  EXPECT_EQ(scram.ClientFirstMessage(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  Result<std::string> final_message = scram.ClientFinalMessage(kServerFirst);
  ASSERT_TRUE(final_message.ok()) << final_message.status().ToString();
  EXPECT_EQ(*final_message,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_TRUE(scram.VerifyServerFinal(kRfcServerFinal).ok());
}

TEST(ScramSha256, RejectsTamperedServerSignature) {
  // Same length and alphabet as the RFC's signature, different bytes.
  std::string message =
      ServerFinalError("v=6rriTRBi23WpRR/wt/+AZfB/qCGbqw4BXuVWXsJ99ak=");
  EXPECT_NE(message.find("server signature does not match"), std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsTruncatedServerSignature) {
  std::string message = ServerFinalError("v=6rriTRBi23WpRR/wtup+mA==");
  EXPECT_NE(message.find("does not match"), std::string::npos) << message;
}

TEST(ScramSha256, EmptyUserIsWhatPostgresSends) {
  // Expected values from an independent python3 hashlib/hmac computation.
  ScramSha256 scram(kPassword, kClientNonce);
  EXPECT_EQ(scram.ClientFirstMessage(), "n,,n=,r=rOprNGfwEbeRWgbNEkqO");
  Result<std::string> final_message = scram.ClientFinalMessage(kServerFirst);
  ASSERT_TRUE(final_message.ok()) << final_message.status().ToString();
  EXPECT_EQ(*final_message,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=qvT2SWdEH5Q06albL+hjSYuUhCG7VndFyzIb7CK4n9k=");
  EXPECT_TRUE(
      scram.VerifyServerFinal("v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=")
          .ok());
}

TEST(ScramSha256, UserNameIsEscaped) {
  ScramSha256 scram(kPassword, kClientNonce, {}, "a,b=c");
  EXPECT_EQ(scram.ClientFirstMessage(),
            "n,,n=a=2Cb=3Dc,r=rOprNGfwEbeRWgbNEkqO");
}

TEST(ScramSha256, ChannelBindingHeaderAndProof) {
  ScramSha256 scram(
      kPassword, kClientNonce,
      {.server_end_point = ChannelBinding(), .client_supports = true});
  EXPECT_EQ(scram.mechanism(), "SCRAM-SHA-256-PLUS");
  EXPECT_EQ(scram.ClientFirstMessage(),
            "p=tls-server-end-point,,n=,r=rOprNGfwEbeRWgbNEkqO");
  Result<std::string> final_message = scram.ClientFinalMessage(kServerFirst);
  ASSERT_TRUE(final_message.ok()) << final_message.status().ToString();
  // python3: base64(b"p=tls-server-end-point,," + bytes(range(32))), and
  // the proof and signature from hashlib/hmac over that exchange.
  EXPECT_EQ(*final_message,
            "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsAAECAwQFBgcICQoLDA0ODxAREhMUF"
            "RYXGBkaGxwdHh8=,"
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=Q8h71kjaoMzNI7dPksDrhRE/5mTUObF0fUHVIgBOWQg=");
  EXPECT_TRUE(
      scram.VerifyServerFinal("v=ykwoqH8mLqO5AQCeuwwf6lsj9f8zyJZT/CcvAbN4Ssc=")
          .ok());
}

TEST(ScramSha256, SaysItCouldBindWhenTheServerOffersNoPlus) {
  ScramSha256 scram(kPassword, kClientNonce,
                    {.server_end_point = {}, .client_supports = true});
  EXPECT_EQ(scram.mechanism(), "SCRAM-SHA-256");
  EXPECT_EQ(scram.ClientFirstMessage(), "y,,n=,r=rOprNGfwEbeRWgbNEkqO");
  Result<std::string> final_message = scram.ClientFinalMessage(kServerFirst);
  ASSERT_TRUE(final_message.ok()) << final_message.status().ToString();
  // python3: "c=" + base64(b"y,,"), and the proof and signature from
  // hashlib/hmac over that exchange.
  EXPECT_EQ(*final_message,
            "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=VpuC5DGQa5ro9tXE9MnKs69NH1nxnuregZZcclqIGfM=");
  EXPECT_TRUE(
      scram.VerifyServerFinal("v=FOmOj9BpTGwvnzwBtWQjBaPmVxT9I8IeHBOhcIPu3us=")
          .ok());
}

TEST(ScramSha256, RejectsMandatoryExtension) {
  std::string message = ServerFirstError(std::string("m=ext,") + kServerFirst);
  EXPECT_NE(message.find("unsupported extension (m=)"), std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsMissingNonce) {
  std::string message = ServerFirstError("s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  EXPECT_NE(message.find("does not start with r="), std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsAttributesOutOfOrder) {
  std::string message = ServerFirstError(std::string("r=") + kServerNonce +
                                         ",i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==");
  EXPECT_NE(message.find("no s= after r="), std::string::npos) << message;
}

TEST(ScramSha256, RejectsMissingIterationCount) {
  std::string message = ServerFirstError(std::string("r=") + kServerNonce +
                                         ",s=W22ZaJ0SNY7soEsUEjb6gQ==");
  EXPECT_NE(message.find("no i= after s="), std::string::npos) << message;
}

TEST(ScramSha256, RejectsDataAfterIterationCount) {
  std::string message =
      ServerFirstError(std::string(kServerFirst) + ",x=extension");
  EXPECT_NE(message.find("unexpected data after i="), std::string::npos)
      << message;
  message = ServerFirstError(std::string(kServerFirst) + ",");
  EXPECT_NE(message.find("unexpected data after i="), std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsServerNonceNotExtendingOurs) {
  std::string message = ServerFirstError(
      "r=XOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  EXPECT_NE(message.find("does not start with the client nonce"),
            std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsServerNonceEqualToOurs) {
  std::string message = ServerFirstError(std::string("r=") + kClientNonce +
                                         ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  EXPECT_NE(message.find("adds nothing to the client nonce"), std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsSaltThatIsNotBase64) {
  for (const char* salt :
       {"W22ZaJ0SNY7soEsUEjb6gQ=", "W22Z aJ0S",
        "W22ZaJ0SNY7soEsUEjb6gQ#=", "====", "QQ==QQ==", "A===", "QQ",
        "AB==", "W22ZaJ0SNY7soEsUEjb6gQ==\n"}) {
    std::string message = ServerFirstError(ServerFirst(salt, "4096"));
    EXPECT_NE(message.find("salt (s=) is not valid base64"), std::string::npos)
        << salt << ": " << message;
  }
}

TEST(ScramSha256, RejectsEmptySalt) {
  std::string message = ServerFirstError(ServerFirst("", "4096"));
  EXPECT_NE(message.find("salt (s=) is empty"), std::string::npos) << message;
}

TEST(ScramSha256, RejectsIterationCountThatIsNotADecimalInteger) {
  for (const char* count :
       {"", "-4096", "+4096", " 4096", "4096 ", "40x96", "0x10", "4096.0"}) {
    std::string message =
        ServerFirstError(ServerFirst("W22ZaJ0SNY7soEsUEjb6gQ==", count));
    EXPECT_NE(message.find("iteration count (i=) is not a decimal integer"),
              std::string::npos)
        << "'" << count << "': " << message;
  }
}

TEST(ScramSha256, RejectsZeroIterations) {
  std::string message =
      ServerFirstError(ServerFirst("W22ZaJ0SNY7soEsUEjb6gQ==", "0"));
  EXPECT_NE(message.find("iteration count (i=) is zero"), std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsIterationCountAboveLimitOrOverflowing) {
  for (const char* count :
       {"100001", "10000000", "4294967297", "99999999999999999999999999"}) {
    std::string message =
        ServerFirstError(ServerFirst("W22ZaJ0SNY7soEsUEjb6gQ==", count));
    EXPECT_NE(message.find("exceeds the limit of 100000"), std::string::npos)
        << count << ": " << message;
  }
}

TEST(ScramSha256, AcceptsOneIteration) {
  ScramSha256 scram(kPassword, kClientNonce);
  EXPECT_TRUE(
      scram.ClientFinalMessage(ServerFirst("W22ZaJ0SNY7soEsUEjb6gQ==", "1"))
          .ok());
}

TEST(ScramSha256, AcceptsIterationCountAtTheLimit) {
  // The limit is inclusive. This runs 10^5 PBKDF2 rounds: about 15 ms.
  ScramSha256 scram(kPassword, kClientNonce);
  EXPECT_TRUE(
      scram
          .ClientFinalMessage(ServerFirst("W22ZaJ0SNY7soEsUEjb6gQ==", "100000"))
          .ok());
}

TEST(ScramSha256, ReportsServerRefusalWithItsReason) {
  std::string message = ServerFinalError("e=invalid-proof");
  EXPECT_NE(message.find("server refused the exchange: invalid-proof"),
            std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsServerFinalWithoutVerifierOrError) {
  std::string message = ServerFinalError("x=6rriTRBi23WpRR");
  EXPECT_NE(message.find("neither v= nor e="), std::string::npos) << message;
}

TEST(ScramSha256, RejectsServerSignatureThatIsNotBase64) {
  std::string message =
      ServerFinalError("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4");
  EXPECT_NE(message.find("server signature (v=) is not valid base64"),
            std::string::npos)
      << message;
}

TEST(ScramSha256, RejectsServerFinalBeforeClientFinal) {
  ScramSha256 scram(kPassword, kClientNonce, {}, "user");
  Status status = scram.VerifyServerFinal(kRfcServerFinal);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("before ClientFinalMessage"),
            std::string::npos)
      << status.message();
}

TEST(ScramSha256, RejectsServerFinalAfterFailedClientFinal) {
  ScramSha256 scram(kPassword, kClientNonce, {}, "user");
  ASSERT_FALSE(scram.ClientFinalMessage(ServerFirst("", "4096")).ok());
  EXPECT_FALSE(scram.VerifyServerFinal(kRfcServerFinal).ok());
}

TEST(ScramSha256, RandomNonceIs18BytesOfBase64) {
  Result<std::string> random = ScramSha256::RandomNonce();
  ASSERT_TRUE(random.ok()) << random.status().ToString();
  const std::string& nonce = *random;
  EXPECT_EQ(nonce.size(), 24u);  // 18 bytes: no padding
  EXPECT_TRUE(std::all_of(nonce.begin(), nonce.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/';
  })) << nonce;
}

TEST(ScramSha256, RandomNonceDiffersBetweenCalls) {
  EXPECT_NE(*ScramSha256::RandomNonce(), *ScramSha256::RandomNonce());
}

}  // namespace
}  // namespace twelve::backing::pg
