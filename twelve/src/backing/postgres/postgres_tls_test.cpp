#include "backing/postgres/postgres_tls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "tests/support/postgres_server.hpp"

namespace twelve::backing::pg {
namespace {

using test_support::PostgresServer;
using Verify = TlsSettings::Verify;
using Want = TlsSession::Want;

// Long enough for any answer on a loaded machine; only a hang reaches it.
constexpr int kWaitMs = 20000;
// PostgreSQL's SSLRequest code and protocol 3.0.
constexpr std::uint32_t kSslRequestCode = 80877103;
constexpr std::uint32_t kProtocol30 = 196608;
// AuthenticationRequest codes (the int32 after an 'R' message's length).
constexpr std::uint32_t kAuthOk = 0;
constexpr std::uint32_t kAuthCleartext = 3;
constexpr std::uint32_t kAuthMd5 = 5;
constexpr std::uint32_t kAuthSasl = 10;

std::string Int32(std::uint32_t value) {
  const std::uint32_t network = htonl(value);
  return std::string(reinterpret_cast<const char*>(&network), 4);
}

std::uint32_t ReadInt32(std::string_view bytes) {
  std::uint32_t network = 0;
  bytes.copy(reinterpret_cast<char*>(&network), 4);
  return ntohl(network);
}

std::string StartupMessage(const std::string& user,
                           const std::string& database) {
  using namespace std::string_literals;
  const std::string body = Int32(kProtocol30) + "user\0"s + user + "\0"s +
                           "database\0"s + database + "\0\0"s;
  return Int32(body.size() + 4) + body;
}

bool WaitFor(int fd, short events) {
  pollfd waiting{.fd = fd, .events = events, .revents = 0};
  return poll(&waiting, 1, kWaitMs) == 1;
}

bool WaitFor(int fd, Want want) {
  return WaitFor(fd, want == Want::kWrite ? POLLOUT : POLLIN);
}

// A non-blocking TCP connection to 127.0.0.1:port, closed on destruction.
class Socket {
 public:
  explicit Socket(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc =
        connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    connected_ = rc == 0 || (errno == EINPROGRESS && WaitFor(fd_, POLLOUT));
  }
  ~Socket() { close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  bool connected() const { return connected_; }

  // Sends the SSLRequest in the clear; the server's one-byte answer ('S' or
  // 'N'), or '\0' when none came.
  char RequestTls() const {
    const std::string request = Int32(8) + Int32(kSslRequestCode);
    if (write(fd_, request.data(), request.size()) !=
        static_cast<ssize_t>(request.size())) {
      return '\0';
    }
    char answer = '\0';
    if (!WaitFor(fd_, POLLIN) || read(fd_, &answer, 1) != 1) return '\0';
    return answer;
  }

 private:
  int fd_;
  bool connected_ = false;
};

Status Handshake(TlsSession& session, int fd) {
  for (;;) {
    Result<Want> want = session.Handshake();
    if (!want.ok()) return want.status();
    if (*want == Want::kNothing) return Status::Ok();
    if (!WaitFor(fd, *want)) return Status::Timeout("test: no handshake");
  }
}

Status WriteAll(TlsSession& session, int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    Result<TlsSession::Io> io = session.Write(bytes);
    if (!io.ok()) return io.status();
    bytes.remove_prefix(io->bytes);
    if (io->want != Want::kNothing && !WaitFor(fd, io->want)) {
      return Status::Timeout("test: cannot write");
    }
  }
  return Status::Ok();
}

// The server's first message, whole: type byte, length, body.
Result<std::string> ReadMessage(TlsSession& session, int fd) {
  std::string message;
  std::array<char, 256> buffer{};
  while (message.size() < 5 ||
         message.size() < 1 + ReadInt32(message.substr(1, 4))) {
    Result<TlsSession::Io> io = session.Read(buffer);
    if (!io.ok()) return io.status();
    if (io->closed) return Status::Unavailable("test: closed");
    message.append(buffer.data(), io->bytes);
    if (io->want != Want::kNothing && !WaitFor(fd, io->want)) {
      return Status::Timeout("test: no answer");
    }
  }
  return message;
}

// The sha256sum of the certificate's DER, as hex, by the openssl CLI.
std::string CliSha256OfDer(const std::string& pem_file) {
  const std::string command =
      "openssl x509 -in '" + pem_file + "' -outform DER | sha256sum";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  char hex[65] = {};
  const std::size_t got = fread(hex, 1, 64, pipe);
  pclose(pipe);
  return std::string(hex, got);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : bytes) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xf];
  }
  return hex;
}

// (Designated initializers would leave GCC 12 warning about the fields left
// out.)
TlsSettings Settings(Verify verify, const std::string& host,
                     const std::string& root_cert = {}) {
  TlsSettings settings;
  settings.verify = verify;
  settings.host = host;
  settings.root_cert = root_cert;
  return settings;
}

// The role in postgres://role:password@...
std::string RoleOf(const std::string& url) {
  const std::size_t start = url.find("//") + 2;
  return url.substr(start, url.find(':', start) - start);
}

// One server for the suite: initdb costs about a second.
PostgresServer* suite_server = nullptr;

class PostgresTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_server = new PostgresServer({.tls = true});
    ASSERT_TRUE(suite_server->ok()) << suite_server->error();
    ASSERT_TRUE(suite_server->Start()) << suite_server->error();
  }
  static void TearDownTestSuite() {
    delete suite_server;
    suite_server = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_ != nullptr && server_->ok());
    ASSERT_TRUE(socket_.connected());
    ASSERT_EQ(socket_.RequestTls(), 'S');
  }

  TlsSettings Full(const std::string& host) const {
    return Settings(Verify::kFull, host, server_->ca_file());
  }

  // Starts the session on the socket and completes its handshake.
  Result<std::unique_ptr<TlsSession>> Connect(const TlsSettings& settings) {
    Result<std::unique_ptr<TlsSession>> session =
        TlsSession::Start(socket_.fd(), settings);
    if (!session.ok()) return session.status();
    if (Status status = Handshake(**session, socket_.fd()); !status.ok()) {
      return status;
    }
    return session;
  }

  // Sends a StartupMessage through the session and reads the answer back:
  // bytes flow both ways.
  Result<std::string> LogIn(TlsSession& session, const std::string& user,
                            const std::string& database) {
    Status sent =
        WriteAll(session, socket_.fd(), StartupMessage(user, database));
    if (!sent.ok()) return sent;
    return ReadMessage(session, socket_.fd());
  }

  // Expects the session to work: the server asks for a password (SCRAM).
  void ExpectAuthenticationRequest(TlsSession& session) {
    Result<std::string> answer = LogIn(session, server_->user(), "postgres");
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    ASSERT_EQ((*answer)[0], 'R');
    EXPECT_EQ(ReadInt32(answer->substr(5, 4)), kAuthSasl);
  }

  PostgresServer* server_ = suite_server;
  Socket socket_{suite_server->port()};
};

TEST_F(PostgresTlsTest, VerifyNoneEncryptsWithoutChecking) {
  Result<std::unique_ptr<TlsSession>> session =
      Connect(Settings(Verify::kNone, "127.0.0.1"));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ExpectAuthenticationRequest(**session);
}

TEST_F(PostgresTlsTest, WritingToAClosedSocketIsAnErrorNotSigpipe) {
  Result<std::unique_ptr<TlsSession>> session =
      Connect(Settings(Verify::kNone, "127.0.0.1"));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  // Writing after shutdown(SHUT_WR) fails with EPIPE and raises SIGPIPE,
  // whose default action would end this test process.
  ASSERT_EQ(shutdown(socket_.fd(), SHUT_WR), 0);
  Result<TlsSession::Io> written = (*session)->Write("after the end");
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("Broken pipe"), std::string::npos)
      << written.status().message();
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST_F(PostgresTlsTest, VerifyFullAcceptsTheCertificatesIpAddress) {
  Result<std::unique_ptr<TlsSession>> session = Connect(Full("127.0.0.1"));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ExpectAuthenticationRequest(**session);
}

TEST_F(PostgresTlsTest, VerifyFullAcceptsTheCertificatesDnsName) {
  Result<std::unique_ptr<TlsSession>> session = Connect(Full("localhost"));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ExpectAuthenticationRequest(**session);
}

TEST_F(PostgresTlsTest, VerifyFullRefusesANameTheCertificateLacks) {
  Result<std::unique_ptr<TlsSession>> session = Connect(Full("example.com"));
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnavailable);
  const std::string message = session.status().message();
  EXPECT_EQ(message.rfind("postgres: TLS: ", 0), 0u) << message;
  EXPECT_NE(message.find("certificate verify failed"), std::string::npos)
      << message;
  EXPECT_NE(message.find("hostname mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find("does not name \"example.com\""), std::string::npos)
      << message;
}

TEST_F(PostgresTlsTest, VerifyFullRefusesAnAddressTheCertificateLacks) {
  Result<std::unique_ptr<TlsSession>> session = Connect(Full("127.0.0.2"));
  ASSERT_FALSE(session.ok());
  const std::string message = session.status().message();
  EXPECT_NE(message.find("IP address mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find("does not name \"127.0.0.2\""), std::string::npos)
      << message;
}

TEST_F(PostgresTlsTest, VerifyCaRefusesAServerSignedByAnotherCa) {
  Result<std::unique_ptr<TlsSession>> session =
      Connect(Settings(Verify::kCa, "localhost", server_->other_ca_file()));
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnavailable);
  const std::string message = session.status().message();
  // The server sends its CA along, which the other CA does not trust.
  EXPECT_NE(message.find("certificate verify failed: self-signed certificate "
                         "in certificate chain"),
            std::string::npos)
      << message;
}

TEST_F(PostgresTlsTest, RevocationListsAreChecked) {
  TlsSettings settings = Full("localhost");
  settings.crl = server_->crl_file();
  Result<std::unique_ptr<TlsSession>> session = Connect(settings);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ExpectAuthenticationRequest(**session);
}

TEST_F(PostgresTlsTest, ARevokedServerCertificateIsRefused) {
  TlsSettings settings = Full("localhost");
  settings.crl = server_->server_revoked_crl_file();
  Result<std::unique_ptr<TlsSession>> session = Connect(settings);
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("certificate revoked"),
            std::string::npos)
      << session.status().message();
}

TEST_F(PostgresTlsTest, VerifyCaAcceptsTheServersCa) {
  Result<std::unique_ptr<TlsSession>> session =
      // The name is not checked by kCa.
      Connect(Settings(Verify::kCa, "example.com", server_->ca_file()));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ExpectAuthenticationRequest(**session);
}

TEST_F(PostgresTlsTest, MissingRootCertificateFileIsNamed) {
  const std::string missing = server_->ca_file() + ".missing";
  Result<std::unique_ptr<TlsSession>> session = TlsSession::Start(
      socket_.fd(), Settings(Verify::kFull, "localhost", missing));
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnavailable);
  const std::string message = session.status().message();
  EXPECT_NE(message.find("root certificate file \"" + missing + "\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos)
      << message;
}

TEST_F(PostgresTlsTest, VerifyFullWithoutRootCertificateIsRefused) {
  Result<std::unique_ptr<TlsSession>> session =
      TlsSession::Start(socket_.fd(), Settings(Verify::kFull, "localhost"));
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("sslrootcert"), std::string::npos)
      << session.status().message();
}

TEST_F(PostgresTlsTest, ClientCertificateLogsInWhereTheServerAsksForOne) {
  TlsSettings settings = Full("localhost");
  settings.cert = server_->client_cert_file();
  settings.key = server_->client_key_file();
  Result<std::unique_ptr<TlsSession>> session = Connect(settings);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  // pg_hba `cert`: no password asked, the certificate was the login.
  Result<std::string> answer =
      LogIn(**session, server_->user(), PostgresServer::kCertDatabase);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ((*answer)[0], 'R') << *answer;
  EXPECT_EQ(ReadInt32(answer->substr(5, 4)), kAuthOk);
}

TEST_F(PostgresTlsTest, WithoutClientCertificateTheCertLoginIsRefused) {
  Result<std::unique_ptr<TlsSession>> session = Connect(Full("localhost"));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Result<std::string> answer =
      LogIn(**session, server_->user(), PostgresServer::kCertDatabase);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ((*answer)[0], 'E');  // ErrorResponse
}

TEST_F(PostgresTlsTest, KeyFileReadableByOthersIsRefused) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("twelve-tls-key-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string key = (dir / "client.key").string();
  std::filesystem::copy_file(server_->client_key_file(), key,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(chmod(key.c_str(), 0644), 0);
  TlsSettings settings = Full("localhost");
  settings.cert = server_->client_cert_file();
  settings.key = key;
  Result<std::unique_ptr<TlsSession>> session =
      TlsSession::Start(socket_.fd(), settings);
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().message(),
            "postgres: TLS: the private key file \"" + key +
                "\" has group or world access; it must be 0600 or less");
}

TEST_F(PostgresTlsTest, ServerEndPointHashIsTheSha256OfTheCertificate) {
  Result<std::unique_ptr<TlsSession>> session = Connect(Full("localhost"));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Result<std::string> hash = (*session)->ServerEndPointHash();
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  // The test CA signs with ECDSA-SHA256, so the hash is SHA-256 either way.
  const std::string expected = CliSha256OfDer(server_->server_cert_file());
  ASSERT_EQ(expected.size(), 64u);
  EXPECT_EQ(Hex(*hash), expected);
}

// The driver's auth tests rely on each role being asked for its method.
TEST_F(PostgresTlsTest, EachLoginRoleIsAskedForItsMethod) {
  const std::pair<PostgresServer::Login, std::uint32_t> cases[] = {
      {PostgresServer::Login::kScram, kAuthSasl},
      {PostgresServer::Login::kMd5, kAuthMd5},
      {PostgresServer::Login::kCleartext, kAuthCleartext},
      {PostgresServer::Login::kTrust, kAuthOk}};
  for (const auto& [login, method] : cases) {
    Socket socket(server_->port());
    ASSERT_EQ(socket.RequestTls(), 'S');
    Result<std::unique_ptr<TlsSession>> session =
        TlsSession::Start(socket.fd(), {});
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    ASSERT_TRUE(Handshake(**session, socket.fd()).ok());
    const std::string role = RoleOf(server_->UrlFor(login, "postgres"));
    ASSERT_TRUE(
        WriteAll(**session, socket.fd(), StartupMessage(role, "postgres"))
            .ok());
    Result<std::string> answer = ReadMessage(**session, socket.fd());
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    ASSERT_EQ((*answer)[0], 'R') << role;
    EXPECT_EQ(ReadInt32(answer->substr(5, 4)), method) << role;
  }
}

TEST(PostgresWithoutTls, AnswersNToTheSslRequest) {
  PostgresServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  ASSERT_TRUE(server.Start()) << server.error();
  Socket socket(server.port());
  ASSERT_TRUE(socket.connected());
  EXPECT_EQ(socket.RequestTls(), 'N');
}

}  // namespace
}  // namespace twelve::backing::pg
